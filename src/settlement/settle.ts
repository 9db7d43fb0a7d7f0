/**
 * How an operation settles: the one function every path uses (the providers' methods, the
 * lifecycle workflows, callbacks, admin routes and the reconcile job).
 *
 *   requested, lease live     → wait: its worker is calling the PSP
 *   requested, lease expired  ┐ take the lease, read the PSP's record of the payment, then
 *   unknown                   ┘   found: complete / accept / fail it as the PSP says
 *                                 absent: send it again under the same key (the lease is ours)
 *   accepted                  → read the PSP's record: confirmed → succeeded; failed → lapsed
 *                               (a capture) or failed; still pending → wait
 *   succeeded, failed, lapsed → final
 *
 * A PSP call only ever happens under a lease, so two workers never send one key twice; a re-send
 * only ever follows a read that proves the operation absent. Operations are found on the PSP's
 * record by our key where it echoes it, else by the PSP's ids stored when it answered.
 */
import {
  PspAuthenticationError,
  PspError,
  PspProtocolError,
  PspRateLimitedError,
  PspUnknownOutcomeError,
} from "../connectors/errors"
import { findPspAction, pspKeyOf } from "../connectors/matching"
import type { PspAction, PspPayment } from "../connectors/types"
import { LedgerError, type LineQuantity } from "../lifecycle/ledger"
import { operationKey } from "../lifecycle/keys"
import { fromMinorUnits } from "../lifecycle/money"
import { shipGateOf } from "../lifecycle/payment-state"
import { isOpenOperation, type OperationLease, type PaymentOperationRecord } from "../modules/payment-ledger"
import { logged, newLease, type OperationContext } from "./context"
import { CRASH_POINTS, crashPoint } from "./crash-points"
import { pspLinesOf } from "./lines"
import { forgetRead, rememberRead } from "./recent-reads"

type MoneyKind = "capture" | "refund" | "cancel"

/** The status a cancel leaves on a PSP without one (capabilities.cancel "none"). */
export const RELEASED_BY_EXPIRY = "released by expiry (the PSP has no cancel)"

/** Brings one operation as far as the PSP's record allows; returns it as it now stands. */
export async function settleOperation(
  context: OperationContext,
  operation: PaymentOperationRecord,
  observed?: PspPayment
): Promise<PaymentOperationRecord> {
  if (!isOpenOperation(operation) || operation.kind === "authorize") {
    return operation
  }
  if (operation.status === "accepted") {
    return (await applyPspRecord(context, operation, observed ?? (await readPayment(context)))) ?? operation
  }
  const lease = newLease(context.ledger)
  const leased = await context.ledger.acquireLease(operation.idempotency_key, lease)
  if (!leased) {
    // someone else is calling the PSP for it, or it has just been settled
    return current(context, operation)
  }
  let payment: PspPayment
  try {
    // read only now that the lease is ours: nobody sends this key while we look
    payment = await readPayment(context)
  } catch (error) {
    await context.ledger.markOperationUnknown(leased.idempotency_key, { owner: lease.owner, error: errorOf(error, "read_failed") })
    throw error
  }
  return (await applyPspRecord(context, leased, payment)) ?? sendOperation(context, leased, lease)
}

/**
 * The one PSP call of an operation, made by the holder of its lease; the answer settles it. A
 * timeout, 5xx, rate limit or unreadable answer leaves it `unknown`; a refusal fails it.
 */
export async function sendOperation(
  context: OperationContext,
  operation: PaymentOperationRecord,
  lease: OperationLease
): Promise<PaymentOperationRecord> {
  const { ledger, connector, instrument } = context
  const key = operation.idempotency_key
  const kind = operation.kind as MoneyKind
  if (kind === "cancel" && connector.capabilities.cancel === "none") {
    // the PSP has no cancel: the uncaptured rest is released when its authorization expires, and
    // the instrument's status history says so
    const completed = (await ledger.completeOperation(key, {})).operation
    await ledger.appendPspStatus(instrument.id, { status: RELEASED_BY_EXPIRY, source: "cancel" })
    return completed
  }
  const input = {
    key,
    currency: instrument.currency_code,
    amount: BigInt(operation.amount),
    ...(kind !== "cancel" ? { lines: pspLinesOf(instrument, operation) } : {}),
    ...(operation.tender_id ? { tenderId: operation.tender_id } : {}),
    ...(pspLineIdsOf(instrument) ? { lineIds: pspLineIdsOf(instrument) } : {}),
  }
  const reference = instrument.psp_reference!
  // what was read before the call is no longer the truth once it is sent
  forgetRead(instrument.provider_id, reference)
  const sentAt = Date.now()
  crashPoint(CRASH_POINTS.beforePspCall)
  let outcome
  try {
    outcome =
      kind === "capture"
        ? await connector.capture(reference, input)
        : kind === "refund"
          ? await connector.refund(reference, input)
          : await connector.cancel(reference, input)
  } catch (error) {
    if (isUnknownOutcome(error) || !(error instanceof PspError)) {
      // the PSP may have applied it; a non-PSP error (a bug, a crash of the client) is no proof either
      await ledger.markOperationUnknown(key, { owner: lease.owner, error: errorOf(error, "unknown_outcome") })
      if (!(error instanceof PspError)) {
        throw error
      }
      return current(context, operation)
    }
    return ledger.failOperation(key, { error: errorOf(error, "refused") })
  }
  crashPoint(CRASH_POINTS.pspAnswered)
  if (outcome.payment) {
    rememberRead(instrument.provider_id, reference, outcome.payment, sentAt)
    await ledger.appendPspStatus(instrument.id, { status: outcome.payment.rawStatus, source: kind, state: outcome.payment.state, ...shipGateOf(outcome.payment) })
  }
  return outcome.status === "succeeded"
    ? (await ledger.completeOperation(key, { psp_operation_ids: outcome.pspOperationIds })).operation
    : ledger.acceptOperation(key, { psp_operation_ids: outcome.pspOperationIds })
}

/**
 * Settles the operation from the PSP's record of the payment; undefined when the PSP has no
 * record of it (never sent, or sent and not applied).
 */
async function applyPspRecord(
  context: OperationContext,
  operation: PaymentOperationRecord,
  payment: PspPayment
): Promise<PaymentOperationRecord | undefined> {
  const { ledger, connector } = context
  const key = operation.idempotency_key
  const kind = operation.kind as MoneyKind
  const action =
    findPspAction(payment, kind, key, connector.capabilities, operation.psp_operation_ids ?? []) ??
    (await unclaimedActionLike(context, operation, payment))
  if (!action) {
    if (kind === "cancel" && payment.authorizedAmount === 0n) {
      // nothing is reserved any more: whether our cancel did it or not, there is nothing to send
      return (await ledger.completeOperation(key, {})).operation
    }
    // accepted and not on the record yet: keep waiting for the PSP
    return operation.status === "accepted" ? operation : undefined
  }
  const ids = { psp_operation_ids: [action.id] }
  switch (action.status) {
    case "succeeded":
      return (await ledger.completeOperation(key, ids)).operation
    case "pending":
      return operation.status === "accepted" ? operation : ledger.acceptOperation(key, ids)
    case "failed": {
      const error = { code: "psp_failed", message: action.failureReason ?? `${connector.psp} reports the ${kind} failed` }
      return operation.status === "accepted" && kind === "capture"
        ? (await ledger.lapseOperation(key, { ...ids, error })).operation
        : ledger.failOperation(key, { ...ids, error })
    }
  }
}

/**
 * Where the PSP keeps no key of ours and the operation's answer was lost (no PSP ids stored), its
 * PSP action can only be recognized by what it moved: the newest action of the same kind, amount
 * and lines (reference, quantity, amount) that no other operation of the instrument has claimed.
 * Without this, "absent" could not be proven and a re-send could move the money twice (a capture
 * of 1 of 3 units of a line is accepted again). Undefined where the PSP echoes keys, where the
 * operation already has PSP ids, or where nothing unclaimed matches (then it is truly absent).
 */
async function unclaimedActionLike(
  context: OperationContext,
  operation: PaymentOperationRecord,
  payment: PspPayment
): Promise<PspAction | undefined> {
  const { ledger, connector, instrument } = context
  if (connector.capabilities.echoesKey || (operation.psp_operation_ids ?? []).length > 0) {
    return undefined
  }
  const { operations } = await ledger.getInstrumentLedger(instrument.id)
  const claimed = new Set(operations.filter((other) => other.id !== operation.id).flatMap((other) => other.psp_operation_ids ?? []))
  const signature = (lines: { reference: string; quantity: number; amount: bigint }[]) =>
    lines
      .map((line) => `${line.reference}|${line.quantity}|${line.amount}`)
      .sort()
      .join(";")
  const wanted = signature(operation.lines.map((line) => ({ reference: line.id, quantity: line.quantity, amount: BigInt(line.amount ?? "0") })))
  const amount = BigInt(operation.amount)
  const candidates = payment.actions.filter(
    (action) =>
      action.kind === operation.kind &&
      !claimed.has(action.id) &&
      action.amount === amount &&
      (operation.lines.length === 0 || signature(action.lines) === wanted)
  )
  return candidates[candidates.length - 1]
}

/**
 * Settles every open operation of the instrument (those another worker holds are left to it),
 * adopts the movements the PSP made on its own, and writes down any disagreement between the PSP
 * and the ledger. `observed` is a fresh read of the payment, used for operations that are only
 * waiting for the PSP to confirm.
 */
export async function settleInstrument(context: OperationContext, observed?: PspPayment): Promise<{ open: PaymentOperationRecord[]; adopted: number }> {
  const { ledger, instrument } = context
  const open: PaymentOperationRecord[] = []
  for (const operation of (await ledger.getInstrumentLedger(instrument.id)).operations.filter(isOpenOperation)) {
    const settled = logged(context, operation.status, await settleOperation(context, operation, observed))
    if (isOpenOperation(settled)) {
      open.push(settled)
    }
  }
  if (!observed) {
    return { open, adopted: 0 }
  }
  const adopted = await adoptPspMovements(context, observed)
  await checkAgreement(context, observed)
  return { open, adopted }
}

/**
 * Movements on the PSP's record that none of our operations made (a gift card the PSP captured at
 * authorization, a refund made in the PSP's back office) become operations of their own, keyed by
 * the PSP's id, so that the ledger and Medusa show them once. While an operation of the same kind
 * is open, its PSP action may not be known by id yet: adoption of that kind waits.
 */
async function adoptPspMovements(context: OperationContext, payment: PspPayment): Promise<number> {
  const { ledger, connector, instrument } = context
  const { operations, ledger: book } = await ledger.getInstrumentLedger(instrument.id)
  if (book.origin === "token" && book.authorized === 0n) {
    // not authorized in the ledger yet (a part-paid order on hold: the gift card is captured, the
    // rest unpaid): nothing can be adopted before the authorization is journaled, which adopts it
    return 0
  }
  let adopted = 0
  for (const action of payment.actions) {
    if (action.kind === "cancel" || action.status !== "succeeded") {
      continue
    }
    if (operations.some((operation) => operation.kind === action.kind && isOpenOperation(operation))) {
      continue
    }
    const ours = operations.some(
      (operation) =>
        operation.kind === action.kind &&
        ((operation.psp_operation_ids ?? []).includes(action.id) ||
          (action.key !== undefined && pspKeyOf(operation.idempotency_key, connector.capabilities) === action.key))
    )
    if (ours) {
      continue
    }
    const lines: LineQuantity[] = action.lines
      .filter((line) => book.lines.some((candidate) => candidate.id === line.reference))
      .map((line) => ({ id: line.reference, quantity: line.quantity }))
    const byLines = lines.length === action.lines.length && lines.length > 0
    try {
      const { created, operation } = await ledger.adoptOperation(instrument.id, {
        idempotency_key: operationKey({ kind: action.kind, source: "psp", id: action.id, instrumentId: instrument.id }),
        kind: action.kind,
        origin: `psp:${action.id}`,
        ...(byLines ? { lines } : { amount: action.amount }),
        ...(action.tenderId ? { tender_id: action.tenderId } : {}),
        psp_operation_ids: [action.id],
      })
      if (created) {
        logged(context, "requested", operation) // a movement made at the PSP: its line too
        adopted += 1
      }
    } catch (error) {
      if (!(error instanceof LedgerError)) {
        throw error
      }
      await setIssue(context, `${ADOPTION_ISSUE}${connector.psp} ${action.kind} ${action.id} cannot be adopted: ${error.message}`)
    }
  }
  return adopted
}

const MISMATCH_ISSUE = "mismatch: "
const ADOPTION_ISSUE = "adoption: "

/**
 * When nothing is in flight, the PSP's captured and refunded totals must be the ledger's. The read
 * may predate an operation that finished meanwhile, so a disagreement is confirmed by one more
 * read before it is written down.
 */
async function checkAgreement(context: OperationContext, observed: PspPayment): Promise<void> {
  const { ledger, instrument } = context
  const disagreement = async (payment: PspPayment): Promise<string | null | undefined> => {
    const { operations, ledger: book } = await ledger.getInstrumentLedger(instrument.id)
    if (operations.some(isOpenOperation)) {
      return undefined
    }
    const currency = instrument.currency_code
    const problems: string[] = []
    const compare = (what: string, atPsp: bigint, inLedger: bigint) => {
      if (atPsp !== inLedger) {
        problems.push(`${what} ${fromMinorUnits(atPsp, currency)} at the PSP, ${fromMinorUnits(inLedger, currency)} in the ledger`)
      }
    }
    if (book.authorized > 0n) {
      compare("captured", payment.capturedAmount, book.captured)
      compare("refunded", payment.refundedAmount, book.refunded)
    }
    return problems.length ? `${MISMATCH_ISSUE}${problems.join("; ")} (${currency.toUpperCase()})` : null
  }
  let issue = await disagreement(observed)
  if (issue) {
    issue = await disagreement(await readPayment(context))
  }
  if (issue === undefined) {
    return
  }
  if (issue) {
    await setIssue(context, issue)
  } else if ((await ledger.getInstrumentLedger(instrument.id)).instrument.reconcile_issue?.startsWith(MISMATCH_ISSUE)) {
    await ledger.updatePaymentInstruments({ id: instrument.id, reconcile_issue: null })
  }
}

async function setIssue(context: OperationContext, issue: string): Promise<void> {
  const { instrument } = await context.ledger.getInstrumentLedger(context.instrument.id)
  if (instrument.reconcile_issue !== issue) {
    await context.ledger.updatePaymentInstruments({ id: instrument.id, reconcile_issue: issue })
  }
}

async function readPayment(context: OperationContext): Promise<PspPayment> {
  const { connector, instrument, ledger } = context
  const startedAt = Date.now()
  const payment = await connector.getPayment(instrument.psp_reference!, instrument.currency_code)
  rememberRead(instrument.provider_id, instrument.psp_reference!, payment, startedAt)
  await ledger.appendPspStatus(instrument.id, { status: payment.rawStatus, source: "settle", state: payment.state, ...shipGateOf(payment) })
  return payment
}

async function current(context: OperationContext, operation: PaymentOperationRecord): Promise<PaymentOperationRecord> {
  const { operations } = await context.ledger.getInstrumentLedger(operation.instrument_id)
  return operations.find((candidate) => candidate.id === operation.id) ?? operation
}

/**
 * Errors after which the operation stays open under its key: no answer, an answer we cannot read
 * (either may hide an applied write), a rate limit or refused credentials (nothing was applied,
 * and it may be sent later). Only the PSP's refusal of the request itself fails it.
 */
function isUnknownOutcome(error: unknown): boolean {
  return (
    error instanceof PspUnknownOutcomeError ||
    error instanceof PspRateLimitedError ||
    error instanceof PspProtocolError ||
    error instanceof PspAuthenticationError
  )
}

function errorOf(error: unknown, fallback: string): { code: string; message: string } {
  if (error instanceof PspRateLimitedError) {
    return { code: "rate_limited", message: error.message }
  }
  if (error instanceof PspError) {
    return { code: error.details.code ?? (isUnknownOutcome(error) ? "unknown_outcome" : `http_${error.details.httpStatus ?? "error"}`), message: error.message }
  }
  return { code: fallback, message: error instanceof Error ? error.message : String(error) }
}

function pspLineIdsOf(instrument: OperationContext["instrument"]): Record<string, string> | undefined {
  const ids = (instrument.metadata ?? {}).psp_line_ids
  return ids && typeof ids === "object" ? (ids as Record<string, string>) : undefined
}
