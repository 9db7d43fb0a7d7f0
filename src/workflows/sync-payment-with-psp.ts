/**
 * sync-payment-with-psp: fetch the PSP's truth about one instrument and bring the store in line.
 *
 * Run for every burst of callbacks (coalesced per payment: payment_sync_request), when an order
 * is placed, and by the reconcile job.
 * It never trusts what triggered it: the PSP state is fetched, the Medusa side is read, and the
 * pure `callbackEffects` decides. Every effect is guarded by the state it changes, so duplicates,
 * reordering and concurrent runs converge on one outcome.
 */
import {
  cancelOrderWorkflow,
  processPaymentWorkflow,
} from "@medusajs/medusa/core-flows"
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules, PaymentActions } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import type { Connector, PspPayment } from "../connectors/types"
import { callbackEffects, type CallbackEffect, type MedusaPaymentSide } from "../lifecycle/callback-effects"
import { shipGateOf, storeStateFor, type StorePaymentState } from "../lifecycle/payment-state"
import { operationKey } from "../lifecycle/keys"
import {
  isOpenOperation,
  PAYMENT_LEDGER_MODULE,
  RECORDING,
  type PaymentInstrumentRecord,
  type PaymentLedgerModuleService,
  type PaymentOperationRecord,
} from "../modules/payment-ledger"
import { resolveConnector } from "../providers/base/registry"
import { OperationInFlightError, OperationPendingError, runMoneyOperation, settleInstrument } from "../settlement"
import { CRASH_POINTS, crashPoint } from "../settlement/crash-points"
import { paymentFingerprint, rememberRead, sharedRead } from "../settlement/recent-reads"
import { attachInstrumentToOrder, orderPayments } from "./utils/order-payments"
import { settleAndRecord } from "./utils/record-in-medusa"

export const ORDER_PAYMENT_METADATA_KEY = "psp_payment"

export type SyncPaymentWithPspInput = {
  instrument_id: string
  /** what asked for the sync: `callback`, `order.placed`, `reconcile`… (kept in the status history) */
  source: string
}

export type SyncPaymentWithPspResult = {
  psp_state: PspPayment["state"]
  psp_status: string
  store_state: StorePaymentState
  order_id?: string
  effects: string[]
  /** a hint arrived while this sync ran: sync once more */
  again: boolean
  /** false when the hints brought nothing new (a read equal to the last one applied, or no read needed) */
  changed: boolean
}

type MedusaSide = MedusaPaymentSide & {
  sessionId: string
  sessionAmount: unknown
  paymentId?: string
  orderMetadata?: Record<string, unknown> | null
}

export type OrderPaymentMetadata = {
  state: StorePaymentState
  psp_status: string
  provider_id: string
  psp_reference: string
  updated_at: string
}

/** The Medusa side of a payment session; undefined once the session is gone (the shopper started over). */
async function readMedusaSide(container: MedusaContainer, sessionId: string): Promise<MedusaSide | undefined> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data: sessions } = await query.graph({
    entity: "payment_session",
    fields: ["id", "amount", "payment_collection_id", "payment.id"],
    filters: { id: sessionId },
  })
  const session = sessions[0] as
    | { id: string; amount: unknown; payment_collection_id: string; payment?: { id: string } | null }
    | undefined
  if (!session) {
    return undefined
  }
  const { data: links } = await query.graph({
    entity: "cart_payment_collection",
    fields: ["cart_id"],
    filters: { payment_collection_id: session.payment_collection_id },
  })
  const cartId = (links[0] as { cart_id?: string } | undefined)?.cart_id
  let order: { id: string; status: string; metadata?: Record<string, unknown> | null } | undefined
  if (cartId) {
    const { data: orderCarts } = await query.graph({ entity: "order_cart", fields: ["order_id"], filters: { cart_id: cartId } })
    const orderId = (orderCarts[0] as { order_id?: string } | undefined)?.order_id
    if (orderId) {
      const { data: orders } = await query.graph({ entity: "order", fields: ["id", "status", "metadata"], filters: { id: orderId } })
      order = orders[0] as typeof order
    }
  }
  const recorded = order?.metadata?.[ORDER_PAYMENT_METADATA_KEY] as OrderPaymentMetadata | undefined
  return {
    sessionId: session.id,
    sessionAmount: session.amount,
    paymentExists: Boolean(session.payment?.id),
    ...(session.payment?.id ? { paymentId: session.payment.id } : {}),
    ...(order ? { orderId: order.id, orderMetadata: order.metadata ?? null } : {}),
    orderCanceled: order?.status === "canceled",
    ...(recorded?.state ? { recordedState: recorded.state } : {}),
  }
}

async function applyEffect(
  container: MedusaContainer,
  effect: CallbackEffect,
  side: MedusaSide,
  payment: PspPayment,
  providerId: string
): Promise<void> {
  switch (effect.kind) {
    case "process_payment":
      // Medusa's own path: completes the cart (one order, under the cart lock), or authorizes a
      // session whose order was created with a deferred authorization
      await processPaymentWorkflow(container).run({
        input: { action: PaymentActions.AUTHORIZED, data: { session_id: side.sessionId, amount: side.sessionAmount as number } },
      })
      return
    case "mark_order": {
      const orderModule = container.resolve(Modules.ORDER)
      const metadata: OrderPaymentMetadata = {
        state: effect.state,
        psp_status: payment.rawStatus,
        provider_id: providerId,
        psp_reference: payment.pspReference,
        updated_at: new Date().toISOString(),
      }
      await orderModule.updateOrders(side.orderId!, {
        metadata: { ...(side.orderMetadata ?? {}), [ORDER_PAYMENT_METADATA_KEY]: metadata },
      })
      return
    }
    case "cancel_order":
      await cancelOrderWorkflow(container).run({ input: { order_id: side.orderId! } })
      return
  }
}

/**
 * One sync of one payment. Runs under a per-payment lock (Medusa's locking module: in-memory on
 * one process, Redis across several), so two syncs of a payment never interleave.
 */
export async function syncPaymentWithPsp(container: MedusaContainer, input: SyncPaymentWithPspInput): Promise<SyncPaymentWithPspResult> {
  const locking = container.resolve(Modules.LOCKING)
  return locking.execute(`psp-sync:${input.instrument_id}`, () => syncUnderLock(container, input), { timeout: SYNC_LOCK_TIMEOUT_SECONDS })
}

const SYNC_LOCK_TIMEOUT_SECONDS = 60

/**
 * The PSP's truth for this sync: a read this process began after the hint that asked (cart
 * completion's, or the sync's own before it completed the cart), done or in flight, is reused;
 * otherwise one read.
 * The reconcile job always reads.
 */
async function readForSync(
  connector: Connector,
  instrument: PaymentInstrumentRecord,
  source: string,
  requestedAt: number | undefined
): Promise<PspPayment> {
  const reference = instrument.psp_reference!
  if (source === "callback" || source === "order.placed") {
    const fetch = () => connector.getPayment(reference, instrument.currency_code)
    return (await sharedRead(instrument.provider_id, reference, fetch, { notBefore: requestedAt })).payment
  }
  const startedAt = Date.now()
  const payment = await connector.getPayment(reference, instrument.currency_code)
  rememberRead(instrument.provider_id, reference, payment, startedAt)
  return payment
}

/**
 * Each hint the sync request counts (its generation) is a stored callback naming a movement that
 * an operation of the ledger settled with the PSP's own id. A ping, a duplicate or any other hint
 * breaks the count: then the payment is read.
 */
async function hintsExplainedBySettledMovements(
  ledger: PaymentLedgerModuleService,
  instrumentId: string,
  operations: PaymentOperationRecord[],
  generation: number
): Promise<boolean> {
  const actions = await ledger.unprocessedCallbackActions(instrumentId)
  if (actions.length !== generation) {
    return false
  }
  const settled = new Set(operations.filter((operation) => !isOpenOperation(operation)).flatMap((operation) => operation.psp_operation_ids ?? []))
  return actions.every((action) => action !== null && settled.has(action))
}

/**
 * The read is the one the last complete sync applied (same fingerprint), and nothing waits on the
 * instrument: no operation open, no movement left to record in Medusa.
 */
function isSettledAsLastApplied(instrument: PaymentInstrumentRecord, operations: PaymentOperationRecord[], fingerprint: string): boolean {
  if ((instrument.metadata ?? {}).psp_fingerprint !== fingerprint) {
    return false
  }
  return !operations.some(
    (operation) =>
      isOpenOperation(operation) ||
      (operation.status === "succeeded" &&
        (operation.kind === "capture" || operation.kind === "refund") &&
        (!operation.medusa_record_id || operation.medusa_record_id === RECORDING))
  )
}

async function syncUnderLock(container: MedusaContainer, input: SyncPaymentWithPspInput): Promise<SyncPaymentWithPspResult> {
  const ledger = container.resolve<PaymentLedgerModuleService>(PAYMENT_LEDGER_MODULE)
  const startedAt = new Date()
  const request = await ledger.syncRequestState(input.instrument_id)
  const generation = request?.generation ?? null
  const { instrument, operations } = await ledger.getInstrumentLedger(input.instrument_id)
  if (!instrument.psp_reference) {
    throw new Error(`Instrument ${instrument.id} has no PSP reference yet`)
  }
  if (input.source === "callback" && request && (await hintsExplainedBySettledMovements(ledger, instrument.id, operations, request.generation))) {
    // every hint this sync answers names a movement the ledger settled from the PSP's own answer
    // (the callback Resurs sends for our capture arrives before its answer): nothing to read
    const again = await ledger.completeSync(instrument.id, { before: startedAt, outcome: "no_change: movement already settled", generation, fingerprint: null })
    const state = (instrument.psp_state ?? "awaiting_shopper") as PspPayment["state"]
    return { psp_state: state, psp_status: instrument.psp_status ?? "", store_state: storeStateFor(state, instrument.metadata?.safe_to_ship !== false), effects: [], again, changed: false }
  }
  const connector = await resolveConnector(container, instrument.provider_id)
  const context = { ledger, connector, instrument }
  const payment = await readForSync(connector, instrument, input.source, request?.requestedAt)
  const fingerprint = paymentFingerprint(payment)
  if (input.source === "callback" && isSettledAsLastApplied(instrument, operations, fingerprint)) {
    // a hint about nothing new (a duplicate, a ping, a status already applied): the read matches
    // the one the last complete sync applied and nothing is open, so there is nothing to change
    await ledger.appendPspStatus(instrument.id, { status: payment.rawStatus, source: input.source, state: payment.state, ...shipGateOf(payment) })
    const again = await ledger.completeSync(instrument.id, { before: startedAt, outcome: "no_change", generation, fingerprint: null })
    return {
      psp_state: payment.state,
      psp_status: payment.rawStatus,
      store_state: storeStateFor(payment.state, payment.safeToShip ?? true),
      effects: [],
      again,
      changed: false,
    }
  }
  await ledger.appendPspStatus(instrument.id, { status: payment.rawStatus, source: input.source, state: payment.state, ...shipGateOf(payment) })
  crashPoint(CRASH_POINTS.callbackSync, input.source === "callback")
  if (payment.pspReference && payment.pspReference !== instrument.psp_reference) {
    // PSPs that make their payment only once the shopper finished (Digital River creates the order
    // after the Drop-in checkout): the instrument takes the PSP's own reference, which its callbacks
    // name. The connector still reads the payment by the reference the checkout gave.
    await ledger.setInstrumentReferences(instrument.id, { psp_reference: payment.pspReference })
  }
  if (payment.lineIds && !(instrument.metadata ?? {}).psp_line_ids) {
    // PSPs that number the order's lines themselves (Nemuru, Digital River): captures and refunds name them
    const { instrument: fresh } = await ledger.getInstrumentLedger(instrument.id)
    await ledger.updatePaymentInstruments({ id: instrument.id, metadata: { ...(fresh.metadata ?? {}), psp_line_ids: payment.lineIds } })
  }

  const applied: string[] = []
  let side = await readMedusaSide(container, instrument.payment_session_id)
  if (!side && payment.state === "authorized") {
    // the shopper approved a payment whose session the cart already replaced (it changed
    // while the hosted page was open): nothing will ever capture it, so release it
    const key = operationKey({ kind: "cancel", source: "session-replaced", id: instrument.payment_session_id, instrumentId: instrument.id })
    try {
      await runMoneyOperation(context, { kind: "cancel", key, origin: `session-replaced:${instrument.payment_session_id}` })
    } catch (error) {
      // still open at the PSP (unknown outcome, in flight): the reconcile job settles it
      if (!(error instanceof OperationPendingError || error instanceof OperationInFlightError)) {
        throw error
      }
    }
    applied.push("release_replaced_payment")
  }
  // two passes: completing the cart creates the order the second pass marks
  for (let pass = 0; pass < 2 && side; pass++) {
    const effects = callbackEffects(payment.state, side, payment.safeToShip ?? true)
    for (const effect of effects) {
      await applyEffect(container, effect, side, payment, instrument.provider_id)
      applied.push(effect.kind)
    }
    side = await readMedusaSide(container, instrument.payment_session_id)
    if (side?.orderId) {
      await attachInstrumentToOrder(container, instrument.id, side.orderId, side.paymentId)
    }
    if (!effects.some((effect) => effect.kind === "process_payment")) {
      break
    }
  }

  // settle what the PSP's record now answers (never an operation another worker holds), adopt
  // what the PSP did on its own, and record in Medusa what is confirmed and not recorded yet
  if (side?.orderId && side.paymentId) {
    const [current] = (await orderPayments(container, side.orderId)).filter((entry) => entry.instrument.id === instrument.id)
    if (current) {
      await settleAndRecord(container, current, { orderCanceled: side.orderCanceled, observed: payment })
    }
  } else {
    await settleInstrument(context, payment)
  }

  const outcome = !side ? "session_replaced" : applied.length ? applied.join(",") : "no_change"
  const again = await ledger.completeSync(instrument.id, { before: startedAt, outcome, generation, fingerprint })
  return {
    psp_state: payment.state,
    psp_status: payment.rawStatus,
    store_state: storeStateFor(payment.state, payment.safeToShip ?? true),
    ...(side?.orderId ? { order_id: side.orderId } : {}),
    effects: applied,
    again,
    changed: true,
  }
}

const syncPaymentWithPspStep = createStep("sync-payment-with-psp-step", async (input: SyncPaymentWithPspInput, { container }) => {
  return new StepResponse(await syncPaymentWithPsp(container, input))
})

export const syncPaymentWithPspWorkflow = createWorkflow(
  "sync-payment-with-psp",
  (input: SyncPaymentWithPspInput) => {
    const result = syncPaymentWithPspStep(input)
    return new WorkflowResponse(result)
  }
)
