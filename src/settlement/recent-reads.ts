/**
 * The latest read of each PSP payment made by this process, so that one moment's truth is read
 * once: cart completion authorizes with the read the sync that completes the cart just made, and
 * the order.placed sync that follows reuses it too (two reads of the same state 100 ms apart were
 * one too many). A read is reused only while it is younger than RECENT_READ_MS, only if it began
 * after the hint that asks (a hint received after a read began may describe a change the read
 * missed), and never across a money operation (an operation's answer replaces or drops it).
 *
 * Per process and best effort: a miss is one more read, never a wrong state for long (the next
 * hint or the reconcile job reads again).
 */
import { createHash } from "node:crypto"
import type { PspPayment } from "../connectors/types"

export const RECENT_READ_MS = 10_000

type Read = { payment: PspPayment; startedAt: number }

const reads = new Map<string, Read>()
const MAX_ENTRIES = 5000

function keyOf(providerId: string, pspReference: string): string {
  return `${providerId}\u0000${pspReference}`
}

/** Remembers a read that began at `startedAt` (epoch ms), for its reference and the PSP's own. */
export function rememberRead(providerId: string, pspReference: string, payment: PspPayment, startedAt: number): void {
  if (reads.size >= MAX_ENTRIES) {
    // bounded: old entries are useless after RECENT_READ_MS anyway
    const cutoff = Date.now() - RECENT_READ_MS
    for (const [key, read] of reads) {
      if (read.startedAt < cutoff || reads.size >= MAX_ENTRIES) {
        reads.delete(key)
      }
    }
  }
  for (const reference of new Set([pspReference, payment.pspReference])) {
    const existing = reads.get(keyOf(providerId, reference))
    if (!existing || existing.startedAt <= startedAt) {
      reads.set(keyOf(providerId, reference), { payment, startedAt })
    }
  }
}

/**
 * A read of the payment begun after `notBefore` (epoch ms; the hint that asks) and younger than
 * RECENT_READ_MS; undefined when there is none.
 */
export function recentRead(providerId: string, pspReference: string, notBefore?: number): PspPayment | undefined {
  const read = reads.get(keyOf(providerId, pspReference))
  if (!read || Date.now() - read.startedAt > RECENT_READ_MS || (notBefore !== undefined && read.startedAt <= notBefore)) {
    return undefined
  }
  return read.payment
}

const inFlight = new Map<string, { promise: Promise<PspPayment>; startedAt: number }>()

/**
 * The payment as a read begun after `notBefore` shows it: a recent read, the read in flight, or a
 * new read (remembered). `accept` rejects a shared read the caller cannot use (then it reads itself).
 */
export async function sharedRead(
  providerId: string,
  pspReference: string,
  read: () => Promise<PspPayment>,
  options: { notBefore?: number; accept?: (payment: PspPayment) => boolean } = {}
): Promise<{ payment: PspPayment; shared: boolean }> {
  const accept = options.accept ?? (() => true)
  const recent = recentRead(providerId, pspReference, options.notBefore)
  if (recent && accept(recent)) {
    return { payment: recent, shared: true }
  }
  const key = keyOf(providerId, pspReference)
  const flight = inFlight.get(key)
  if (flight && (options.notBefore === undefined || flight.startedAt > options.notBefore)) {
    const payment = await flight.promise.catch(() => undefined)
    if (payment && accept(payment)) {
      return { payment, shared: true }
    }
  }
  const startedAt = Date.now()
  const promise = read()
  inFlight.set(key, { promise, startedAt })
  try {
    const payment = await promise
    rememberRead(providerId, pspReference, payment, startedAt)
    return { payment, shared: false }
  } finally {
    if (inFlight.get(key)?.promise === promise) {
      inFlight.delete(key)
    }
  }
}

/** A money operation was sent: what was read before it is no longer the truth. */
export function forgetRead(providerId: string, pspReference: string): void {
  inFlight.delete(keyOf(providerId, pspReference))
  for (const [key, read] of reads) {
    if (key === keyOf(providerId, pspReference) || read.payment.pspReference === pspReference) {
      reads.delete(key)
    }
  }
}

/**
 * What a read says about the payment, as a short digest: two reads with the same fingerprint
 * describe the same payment (state, amounts, ship gate, tenders, movements, line ids), so a sync
 * whose read matches the one the last complete sync applied has nothing to change.
 */
export function paymentFingerprint(payment: PspPayment): string {
  const canonical = JSON.stringify(
    {
      reference: payment.pspReference,
      state: payment.state,
      status: payment.rawStatus,
      amounts: [payment.totalAmount, payment.authorizedAmount, payment.capturedAmount, payment.refundedAmount, payment.canceledAmount],
      safeToShip: payment.safeToShip ?? null,
      tenders: payment.tenders ?? null,
      actions: payment.actions.map((action) => [action.id, action.kind, action.status, action.amount, action.key ?? null, action.tenderId ?? null]),
      lineIds: payment.lineIds ?? null,
    },
    (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value)
  )
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 32)
}
