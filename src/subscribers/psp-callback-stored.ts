/**
 * Processes the sync a callback asked for: brings its payment in line with the PSP, and once more
 * if another hint arrived meanwhile. With the Redis event bus a failure is retried; the reconcile
 * job picks up any sync still asked for.
 *
 * Cheap under load: a burst of hints for one payment waits until it goes quiet (QUIET_MS, at most
 * MAX_QUIET_WAIT_MS) and is answered by one read; this process runs at most MAX_CONCURRENT_SYNCS
 * syncs at once (Medusa's local event bus starts every subscriber at once, with no limit); and a
 * payment already syncing in this process is not queued twice: its running loop syncs once more.
 */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { callbackOutcomeLine, writeLogLine } from "../lifecycle/log-lines"
import { PAYMENT_LEDGER_MODULE, type PaymentLedgerModuleService } from "../modules/payment-ledger"
import { syncPaymentWithPsp } from "../workflows/sync-payment-with-psp"

export const PSP_CALLBACK_STORED_EVENT = "psp_callback.stored"

/**
 * Hints that keep arriving while a payment syncs (a burst, or a flood of forged ones) are answered
 * by one more sync each round, at most one every MIN_SYNC_INTERVAL_MS. While the rounds bring
 * nothing new (the PSP's answer is the one already applied), each next one waits twice as long, up
 * to MAX_SYNC_INTERVAL_MS (Medusa core's own webhook delay): a flood costs at most one PSP read per
 * payment every 5 s, a real callback in it is applied within 5 s, and a payment that is really
 * moving (a lifecycle's callbacks one after the other) is read every second.
 */
export const MIN_SYNC_INTERVAL_MS = 1000
export const MAX_SYNC_INTERVAL_MS = 5000

/** A burst of hints is read once it has been quiet this long... */
export const QUIET_MS = 100
/** ...or after this long at most. */
export const MAX_QUIET_WAIT_MS = 1000

/** Syncs this process runs at once; the rest wait their turn (memory stays flat under a flood). */
export const MAX_CONCURRENT_SYNCS = 4

const active = new Set<string>()
const rerun = new Set<string>()
/** Payments whose loop here has not begun its next sync: that sync reads the PSP after now. */
const waitingToSync = new Set<string>()

/**
 * True when this process will sync the payment and its sync has not begun yet: a hint arriving
 * now is answered by that sync's read, so it need not be written to ask for one (the request that
 * started the loop is still stored, for the reconcile job, should this process die).
 */
export function syncPendingHere(instrumentId: string): boolean {
  return waitingToSync.has(instrumentId)
}
let running = 0
const waiting: (() => void)[] = []

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_SYNCS) {
    await new Promise<void>((resolve) => waiting.push(resolve))
  } else {
    running++
  }
  try {
    return await work()
  } finally {
    const next = waiting.shift()
    if (next) {
      next() // the slot passes on
    } else {
      running--
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Waits until no hint has renewed the payment's sync request for QUIET_MS (bounded). A burst
 * still going on is looked at again after twice as long each time, not every QUIET_MS.
 */
async function untilQuiet(ledger: PaymentLedgerModuleService, instrumentId: string): Promise<void> {
  const deadline = Date.now() + MAX_QUIET_WAIT_MS
  for (let patience = QUIET_MS; ; patience *= 2) {
    const request = await ledger.syncRequestState(instrumentId)
    const remaining = request ? QUIET_MS - request.quietForMs : 0
    if (remaining <= 0 || Date.now() >= deadline) {
      return
    }
    await sleep(Math.min(Math.max(remaining, patience), deadline - Date.now()))
  }
}

/** Waits while the payment's next sync here has not begun: a hint meanwhile is answered by it (syncPendingHere). */
async function beforeNextSync(instrumentId: string, wait: () => Promise<unknown>): Promise<void> {
  waitingToSync.add(instrumentId)
  try {
    await wait()
  } finally {
    waitingToSync.delete(instrumentId)
  }
}

async function syncUntilSettled(container: MedusaContainer, instrumentId: string): Promise<void> {
  const ledger = container.resolve<PaymentLedgerModuleService>(PAYMENT_LEDGER_MODULE)
  for (let interval = MIN_SYNC_INTERVAL_MS; ; ) {
    const started = Date.now()
    rerun.delete(instrumentId)
    await beforeNextSync(instrumentId, () => untilQuiet(ledger, instrumentId))
    const { again, changed } = await withSlot(() => syncPaymentWithPsp(container, { instrument_id: instrumentId, source: "callback" }))
    if (!again && !rerun.has(instrumentId)) {
      return
    }
    interval = changed ? MIN_SYNC_INTERVAL_MS : Math.min(interval * 2, MAX_SYNC_INTERVAL_MS)
    await beforeNextSync(instrumentId, () => sleep(Math.max(0, interval - (Date.now() - started))))
  }
}

export default async function processStoredPspCallback({ event, container }: SubscriberArgs<{ instrument_id: string }>): Promise<void> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const instrumentId = event.data.instrument_id
  if (active.has(instrumentId)) {
    // this process is syncing the payment already: it syncs once more when done
    rerun.add(instrumentId)
    return
  }
  active.add(instrumentId)
  try {
    await syncUntilSettled(container, instrumentId)
  } catch (error) {
    writeLogLine(logger, callbackOutcomeLine("sync_failed", { instrument: instrumentId, reason: `${(error as Error).message} (left for the reconcile job)` }))
    throw error
  } finally {
    active.delete(instrumentId)
  }
}

export const config: SubscriberConfig = {
  event: PSP_CALLBACK_STORED_EVENT,
  context: { subscriberId: "medusa-order-payments-psp-callback" },
}
