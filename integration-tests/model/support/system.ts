/**
 * The real system under the model: one order in the real Medusa app (real PostgreSQL) paying with
 * Resurs in the sandbox. `observe` reads the three sides (the sandbox's payment, the ledger's
 * instrument and operations, Medusa's payment, collection and order transactions); `settle` waits
 * until they agree with the model, running the reconcile workflow whenever an operation is still
 * open (or the sides keep disagreeing), as the scheduled job would.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { parseDecimal, toMinorUnits } from "../../../src/lifecycle/money"
import type { PaymentOperationRecord } from "../../../src/modules/payment-ledger"
import { reconcilePaymentsWorkflow } from "../../../src/workflows/reconcile-payments"
import { eventually } from "../../http/support/psp-sandbox"
import type { resursStore } from "../../http/support/resurs-store"
import type { Checkout } from "../../http/support/storefront"
import { expectedOf, ORDER_TOTAL, PRODUCTS, SHIPPING, type Expected, type OrderModel, type Sku } from "./model"

export type ResursHelpers = Awaited<ReturnType<typeof resursStore>>

export type OrderSystem = {
  t: ResursHelpers
  container: MedusaContainer
  orderId: string
  checkout: Checkout
  /** order item id per product */
  items: Record<Sku, string>
  /** every PSP action id seen at the last check, to tell new ones */
  log: string[]
}

const CURRENCY = "sek"
const OPEN = new Set(["requested", "unknown", "accepted"])

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function reconcile(container: MedusaContainer) {
  return reconcilePaymentsWorkflow(container).run({ input: { olderThanSeconds: 0 } })
}

/** Starts the order a sequence works on: Resurs approves it, or holds it (FROZEN) for a later release or rejection. */
export async function startOrder(t: ResursHelpers, container: MedusaContainer, decision: "approve" | "hold"): Promise<OrderSystem> {
  let orderId: string
  let checkout: Checkout
  if (decision === "approve") {
    const placed = await t.placedOrder()
    orderId = placed.order.id
    checkout = placed.checkout
  } else {
    checkout = await t.checkoutAtResurs()
    await t.decide(checkout.pspReference, "hold")
    const completed = await t.shop.complete(checkout.cartId)
    if (completed.data.type !== "order") throw new Error(`held checkout: no order: ${JSON.stringify(completed.data)}`)
    orderId = completed.data.order.id
    await eventually(async () => ((await t.orderOf(orderId))?.metadata?.psp_payment?.state === "on_hold" ? true : undefined), 20_000, "the order on hold")
    await t.callbacksIdle()
  }
  const order = await t.orderOf(orderId)
  const items = Object.fromEntries(PRODUCTS.map(({ sku }) => [sku, t.itemBySku(order, sku).id])) as Record<Sku, string>
  return { t, container, orderId, checkout, items, log: [] }
}

export type Observed = {
  sandbox: { status: string; captured: bigint; refunded: bigint; canceled: bigint; authorized: bigint; lines: Record<string, { captured: number; refunded: number; ordered: number }>; actions: { type: string; transactionId: string | null }[] }
  ledger: { captured: bigint; refunded: bigint; lines: Record<string, { captured: number; refunded: number }>; operations: PaymentOperationRecord[] }
  medusa: {
    captured: bigint
    refunded: bigint
    collectionCaptured: bigint
    collectionRefunded: bigint
    transactionsCaptured: bigint
    transactionsRefunded: bigint
    paymentCanceled: boolean
    /** order changes Medusa has not finished (a refund's credit line is confirmed after the refund is recorded) */
    openOrderChanges: number
  }
}

const minor = (amount: unknown): bigint => (amount === null || amount === undefined ? 0n : toMinorUnits(amount as string, CURRENCY))

export async function observe(system: OrderSystem): Promise<Observed> {
  const { t, container, checkout, orderId } = system
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const payment = await t.sandboxPayment(checkout.pspReference)
  const sandboxLines = Object.fromEntries(
    payment.lines.map((line) => [line.reference, { captured: Number(line.captured.quantity), refunded: Number(line.refunded.quantity), ordered: Number(line.ordered.quantity) }])
  )
  const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
  const history = instrument ? await t.ledger.getInstrumentWithHistory(instrument.id) : undefined
  const [medusaPayment] = await t.paymentsOf(checkout.sessionId)
  const sum = (rows: { amount: unknown }[] | undefined) => (rows ?? []).reduce((total, row) => total + minor(row.amount), 0n)
  const { data: collections } = await query.graph({
    entity: "payment_collection",
    fields: ["captured_amount", "refunded_amount"],
    filters: { id: checkout.paymentCollectionId },
  })
  const collection = collections[0] as { captured_amount?: unknown; refunded_amount?: unknown } | undefined
  const { data: transactions } = await query.graph({ entity: "order_transaction", fields: ["amount", "reference"], filters: { order_id: orderId } })
  const { data: changes } = await query.graph({
    entity: "order_change",
    fields: ["id"],
    filters: { order_id: orderId, status: ["pending", "requested"] },
  })
  const byReference = (reference: string) =>
    (transactions as { amount: unknown; reference: string }[]).filter((row) => row.reference === reference).reduce((total, row) => total + minor(row.amount), 0n)
  return {
    sandbox: {
      status: (payment as unknown as { status: string }).status,
      captured: parseDecimal(payment.totals.captured, CURRENCY),
      refunded: parseDecimal(payment.totals.refunded, CURRENCY),
      canceled: parseDecimal(payment.totals.canceled, CURRENCY),
      authorized: parseDecimal(payment.totals.authorized, CURRENCY),
      lines: sandboxLines,
      actions: payment.actions,
    },
    ledger: {
      captured: BigInt(instrument?.captured_amount ?? "0"),
      refunded: BigInt(instrument?.refunded_amount ?? "0"),
      lines: Object.fromEntries((instrument?.lines ?? []).map((line) => [line.id, { captured: line.captured, refunded: line.refunded }])),
      operations: history?.operations ?? [],
    },
    medusa: {
      captured: sum(medusaPayment?.captures as never),
      refunded: sum(medusaPayment?.refunds as never),
      collectionCaptured: minor(collection?.captured_amount),
      collectionRefunded: minor(collection?.refunded_amount),
      transactionsCaptured: byReference("capture"),
      transactionsRefunded: -byReference("refund"),
      paymentCanceled: Boolean((medusaPayment as { canceled_at?: unknown } | undefined)?.canceled_at),
      openOrderChanges: changes.length,
    },
  }
}

/** Every way the observed system differs from the model (empty: they agree). */
export function differences(model: OrderModel, observed: Observed): string[] {
  const expected: Expected = expectedOf(model)
  const problems: string[] = []
  const same = (what: string, actual: bigint | number, wanted: bigint | number) => {
    if (actual !== wanted) problems.push(`${what}: ${actual}, model ${wanted}`)
  }
  const { sandbox, ledger, medusa } = observed
  same("sandbox captured", sandbox.captured, expected.captured)
  same("sandbox refunded", sandbox.refunded, expected.refunded)
  same("ledger captured", ledger.captured, expected.captured)
  same("ledger refunded", ledger.refunded, expected.refunded)
  same("Medusa payment captured", medusa.captured, expected.captured)
  same("Medusa payment refunded", medusa.refunded, expected.refunded)
  same("Medusa collection captured", medusa.collectionCaptured, expected.captured)
  same("Medusa collection refunded", medusa.collectionRefunded, expected.refunded)
  same("Medusa order transactions captured", medusa.transactionsCaptured, expected.captured)
  same("Medusa order transactions refunded", medusa.transactionsRefunded, expected.refunded)
  if (model.phase === "canceled") {
    same("sandbox canceled", sandbox.canceled, expected.canceled)
  } else if (medusa.paymentCanceled) {
    // Medusa recreates the payment collection after a return; the authorization must outlive that
    problems.push("Medusa canceled the payment of an open order")
  }
  if (expected.lines) {
    for (const { sku } of PRODUCTS) {
      same(`sandbox ${sku} captured units`, sandbox.lines[sku]?.captured ?? 0, expected.lines[sku].captured)
      same(`sandbox ${sku} refunded units`, sandbox.lines[sku]?.refunded ?? 0, expected.lines[sku].refunded)
      same(`ledger ${sku} captured units`, ledger.lines[sku]?.captured ?? 0, expected.lines[sku].captured)
      same(`ledger ${sku} refunded units`, ledger.lines[sku]?.refunded ?? 0, expected.lines[sku].refunded)
    }
    same("sandbox shipping captured", sandbox.lines[SHIPPING.reference]?.captured ?? 0, model.shippingCaptured ? 1 : 0)
  }
  // never more than authorized, per line and in all
  if (sandbox.captured > ORDER_TOTAL) {
    problems.push("captured beyond the authorization")
  }
  for (const [reference, line] of Object.entries(sandbox.lines)) {
    if (line.captured > line.ordered) problems.push(`${reference}: ${line.captured} units captured of ${line.ordered} ordered`)
  }
  // each of our keys moved money at most once
  const ids = sandbox.actions.filter((action) => action.type === "CAPTURE" || action.type === "REFUND").map((action) => `${action.type}:${action.transactionId}`)
  const repeated = ids.filter((id, index) => ids.indexOf(id) !== index)
  if (repeated.length) problems.push(`one key moved money twice: ${repeated.join(", ")}`)
  same("PSP capture actions", sandbox.actions.filter((action) => action.type === "CAPTURE").length, model.captureActions)
  if (model.phase !== "canceled") {
    same("PSP refund actions", sandbox.actions.filter((action) => action.type === "REFUND").length, model.refundActions)
  }
  return problems
}

/**
 * Waits until the system agrees with the model and no operation is open; runs the reconcile
 * workflow while operations stay open or the sides disagree (a lost answer, a dropped callback).
 * Fails with the last differences after `timeoutMs`.
 */
export async function settle(system: OrderSystem, model: OrderModel, after: string, timeoutMs = 60_000): Promise<Observed> {
  const started = Date.now()
  let lastReconcile = started
  let problems: string[] = []
  for (;;) {
    await system.t.callbacksIdle().catch(() => undefined)
    const observed = await observe(system)
    problems = differences(model, observed)
    const open = observed.ledger.operations.filter((operation) => OPEN.has(operation.status))
    // settled also means Medusa finished its own workflows: a second return waits for the first refund's credit line
    if (!problems.length && !open.length && !observed.medusa.openOrderChanges) {
      return observed
    }
    if (Date.now() - started > timeoutMs) {
      const operations = observed.ledger.operations.map((operation) => `${operation.kind}:${operation.status}:${operation.amount}:${operation.idempotency_key.split(":").slice(0, 2).join(":")}`)
      const still = problems.join("; ") || (open.length ? "operations still open" : `${observed.medusa.openOrderChanges} Medusa order change(s) still open`)
      throw new Error(`after ${after}: the system does not converge on the model (${still}); operations ${operations.join(", ")}`)
    }
    // open operations (or a disagreement that outlived the callbacks) are the reconcile job's
    if (open.some((operation) => operation.status !== "requested" || !operation.lease_expires_at || new Date(operation.lease_expires_at) < new Date()) || Date.now() - lastReconcile > 1500) {
      await reconcile(system.container)
      lastReconcile = Date.now()
    }
    await sleep(150)
  }
}
