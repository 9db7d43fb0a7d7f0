import { randomUUID } from "node:crypto"
import { decimalNumber, formatDecimal, sum } from "../../core/money"
import { scaleOf, type CheckoutSessionRequest } from "./schemas"

/**
 * A Digital River order and its one charge, money in exact minor units of the order currency.
 * Captures and cancels are implicit: fulfillments settle item quantities, and DR then captures or
 * cancels the matching money asynchronously (`pending` → `complete` / `failed`).
 */
export type OrderState = "pending_payment" | "in_review" | "accepted" | "blocked" | "cancelled" | "fulfilled" | "complete" | "returned" | "dispute"
export type OperationState = "pending" | "complete" | "failed"

export type Item = {
  id: string
  skuId?: string
  productDetails?: Record<string, unknown>
  metadata?: Record<string, unknown>
  quantity: number
  amount: bigint
  fulfilled: number
  cancelled: number
  /** Money of this line that fulfillments asked DR to capture / cancel, and refunds taken from it. */
  captureRequested: bigint
  cancelRequested: bigint
  /** Captures of this line that DR completed (failed ones never count). */
  captured: bigint
  refunded: bigint
  stateTransitions: Record<string, string>
}

export type Operation = {
  id: string
  createdTime: string
  updatedTime: string
  amount: bigint
  state: OperationState
  failureCode?: string
  failureMessage?: string
  fulfillmentId?: string
  /** Which lines (item id, or `shipping`) the money belongs to. */
  lines: Array<{ itemId: string; amount: bigint }>
}

export type Charge = {
  id: string
  createdTime: string
  amount: bigint
  sourceId: string
  paymentSessionId: string
  type: "customer_initiated" | "merchant_initiated" | "moto"
  cancelledByReview: boolean
  captures: Operation[]
  cancels: Operation[]
  refunds: Operation[]
}

export type Order = {
  id: string
  checkoutSessionId: string
  upstreamId?: string
  createdTime: string
  updatedTime: string
  currency: string
  email?: string
  locale?: string
  items: Item[]
  shipping: { amount: bigint; description?: string; serviceLevel?: string; captureRequested: bigint; cancelRequested: bigint }
  state: OrderState
  stateTransitions: Record<string, string>
  fraudState?: "review_opened" | "blocked" | "passed"
  fraudStateTransitions: Record<string, string>
  charge: Charge
  metadata?: Record<string, unknown>
}

export type Fulfillment = {
  id: string
  createdTime: string
  orderId: string
  shipmentId?: string
  items: Array<{ itemId: string; skuId?: string; shipmentItemId?: string; quantity: number; cancelQuantity: number }>
  trackingCompany?: string
  trackingNumber?: string
  trackingUrl?: string
  metadata?: Record<string, unknown>
  chargeOperationIds: string[]
}

export type Refund = {
  id: string
  createdTime: string
  orderId: string
  currency: string
  amount: bigint
  type?: string
  items: Array<{ itemId: string; quantity?: number; amount: bigint }>
  reason?: string
  state: "pending" | "succeeded" | "failed"
  metadata?: Record<string, unknown>
  chargeRefundId: string
}

let sequence = 0
/** DR order and item ids are numeric strings (`"231388420336"`). */
export function numericId(): string {
  sequence = (sequence + 1) % 1_000_000
  return `${Date.now() % 1_000_000}${String(sequence).padStart(6, "0")}`
}

/** The money for `count` more units of a line after `settled` units, so the last unit takes the rest. */
export function unitsAmount(item: Pick<Item, "amount" | "quantity">, settled: number, count: number): bigint {
  const upTo = (units: number) => (item.amount * BigInt(units)) / BigInt(item.quantity)
  return upTo(settled + count) - upTo(settled)
}

/** Session items as order items; `cents` are parsed at 2 decimals and rescaled to the currency. */
export function newOrder(session: { id: string; request: CheckoutSessionRequest }, state: "accepted" | "in_review", now: Date): Order {
  const { request } = session
  const at = now.toISOString()
  const items: Item[] = request.items.map((item) => ({
    id: numericId(),
    skuId: item.skuId,
    productDetails: item.productDetails,
    metadata: item.metadata,
    quantity: item.quantity,
    amount: toMinor(item.aggregatePrice ?? item.price * BigInt(item.quantity), request.currency),
    fulfilled: 0,
    cancelled: 0,
    captureRequested: 0n,
    cancelRequested: 0n,
    captured: 0n,
    refunded: 0n,
    stateTransitions: { created: at },
  }))
  const shippingAmount = toMinor(request.shippingChoice?.amount ?? 0n, request.currency)
  const total = sum(items.map((item) => item.amount)) + shippingAmount
  return {
    id: numericId(),
    checkoutSessionId: session.id,
    upstreamId: request.upstreamId,
    createdTime: at,
    updatedTime: at,
    currency: request.currency,
    email: request.email,
    locale: request.locale,
    items,
    shipping: { amount: shippingAmount, description: request.shippingChoice?.description, serviceLevel: request.shippingChoice?.serviceLevel, captureRequested: 0n, cancelRequested: 0n },
    state,
    stateTransitions: state === "accepted" ? { accepted: at } : { in_review: at },
    fraudState: state === "accepted" ? "passed" : "review_opened",
    fraudStateTransitions: state === "accepted" ? { passed: at } : { review_opened: at },
    charge: {
      id: randomUUID(),
      createdTime: at,
      amount: total,
      sourceId: randomUUID(),
      paymentSessionId: session.id,
      type: request.chargeType ?? "customer_initiated",
      cancelledByReview: false,
      captures: [],
      cancels: [],
      refunds: [],
    },
    metadata: request.metadata,
  }
}

/** Amounts arrive with up to 2 decimals; a zero-decimal currency must not use them. */
export function toMinor(cents: bigint, currency: string): bigint {
  if (scaleOf(currency) === 2) {
    return cents
  }
  if (cents % 100n !== 0n) {
    throw new RangeError(`${currency} amounts have no decimals`)
  }
  return cents / 100n
}

export function transition(order: Order, state: OrderState, now: Date): void {
  order.state = state
  order.stateTransitions[state] = now.toISOString()
  order.updatedTime = now.toISOString()
}

export function orderTotal(order: Order): bigint {
  return order.charge.amount
}

const settled = (operations: Operation[], state: OperationState = "complete") => sum(operations.filter((operation) => operation.state === state).map((operation) => operation.amount))

export function chargeTotals(charge: Charge) {
  const captured = settled(charge.captures)
  const cancelled = settled(charge.cancels)
  const refunded = settled(charge.refunds)
  const pending = (operations: Operation[]) => settled(operations, "pending")
  const failed = settled(charge.captures, "failed")
  return {
    captured,
    cancelled,
    refunded,
    capturePending: pending(charge.captures),
    cancelPending: pending(charge.cancels),
    refundPending: pending(charge.refunds),
    captureFailed: failed,
    /** Still authorized: neither captured, cancelled, in flight nor lost to a failed capture. */
    authorized: charge.amount - captured - cancelled - pending(charge.captures) - pending(charge.cancels) - failed,
  }
}

/** `pending` → `capturable` (nothing in flight or open) → `processing` → `complete` | `cancelled` | `failed`. */
export function chargeState(order: Order): "pending" | "capturable" | "processing" | "complete" | "cancelled" | "failed" {
  const totals = chargeTotals(order.charge)
  if (order.state === "in_review") {
    return "pending"
  }
  if (totals.capturePending > 0n || totals.cancelPending > 0n) {
    return "processing"
  }
  if (totals.authorized > 0n) {
    return "capturable"
  }
  if (totals.captured > 0n) {
    return "complete"
  }
  return totals.captureFailed > 0n ? "failed" : "cancelled"
}

export const unitsLeft = (item: Item) => item.quantity - item.fulfilled - item.cancelled
export const allItemsSettled = (order: Order) => order.items.every((item) => unitsLeft(item) === 0)

export function itemState(item: Item): "created" | "fulfilled" | "cancelled" {
  if (unitsLeft(item) > 0) {
    return "created"
  }
  return item.fulfilled > 0 ? "fulfilled" : "cancelled"
}

/** What can still be refunded: captured money (settled) less refunds asked for. */
export function availableToRefund(order: Order): bigint {
  const totals = chargeTotals(order.charge)
  return totals.captured - totals.refunded - totals.refundPending
}

/** An item's refundable part: its completed captures less what was refunded against it, capped by the order's. */
export function itemAvailableToRefund(order: Order, item: Item): bigint {
  const left = item.captured - item.refunded
  const orderLeft = availableToRefund(order)
  return left < orderLeft ? left : orderLeft
}

export type Money = (minor: bigint) => number

export function moneyOf(order: Order): Money {
  const scale = scaleOf(order.currency)
  return (minor) => decimalNumber(minor, scale)
}

function operationJson(operation: Operation, money: Money) {
  return {
    id: operation.id,
    createdTime: operation.createdTime,
    updatedTime: operation.updatedTime,
    amount: money(operation.amount),
    state: operation.state,
    ...(operation.failureCode ? { failureCode: operation.failureCode, failureMessage: operation.failureMessage } : {}),
    ...(operation.fulfillmentId ? { fulfillmentId: operation.fulfillmentId } : {}),
  }
}

export function chargeJson(order: Order) {
  const money = moneyOf(order)
  const { charge } = order
  const totals = chargeTotals(charge)
  const failedCapture = charge.captures.find((capture) => capture.state === "failed")
  return {
    id: charge.id,
    createdTime: charge.createdTime,
    currency: order.currency,
    amount: money(charge.amount),
    state: chargeState(order),
    orderId: order.id,
    sourceId: charge.sourceId,
    paymentSessionId: charge.paymentSessionId,
    ...(failedCapture ? { failureCode: failedCapture.failureCode, failureMessage: failedCapture.failureMessage } : {}),
    captured: totals.captured > 0n,
    captures: charge.captures.map((operation) => operationJson(operation, money)),
    cancels: charge.cancels.map((operation) => operationJson(operation, money)),
    refunded: totals.refunded > 0n,
    refunds: charge.refunds.map((operation) => operationJson(operation, money)),
    type: charge.type,
    liveMode: false,
  }
}

/** The Order object of the API (`GET /orders/{id}`); `withPayment: false` is a fulfillment's `orderDetails`. */
export function orderJson(order: Order, { withPayment = true }: { withPayment?: boolean } = {}) {
  const money = moneyOf(order)
  const totals = chargeTotals(order.charge)
  const subtotal = sum(order.items.map((item) => item.amount))
  return {
    id: order.id,
    createdTime: order.createdTime,
    updatedTime: order.updatedTime,
    ...(order.upstreamId ? { upstreamId: order.upstreamId } : {}),
    currency: order.currency,
    ...(order.email ? { email: order.email } : {}),
    ...(order.locale ? { locale: order.locale } : {}),
    subtotal: money(subtotal),
    totalTax: 0,
    totalFees: 0,
    totalDuty: 0,
    totalDiscount: 0,
    totalShipping: money(order.shipping.amount),
    totalAmount: money(orderTotal(order)),
    capturedAmount: money(totals.captured),
    cancelledAmount: money(totals.cancelled),
    refundedAmount: money(totals.refunded),
    availableToRefundAmount: money(availableToRefund(order)),
    items: order.items.map((item) => ({
      id: item.id,
      ...(item.skuId ? { skuId: item.skuId } : {}),
      ...(item.productDetails ? { productDetails: item.productDetails } : {}),
      quantity: item.quantity,
      state: itemState(item),
      stateTransitions: item.stateTransitions,
      amount: money(item.amount),
      availableToRefundAmount: money(itemAvailableToRefund(order, item)),
      tax: { rate: 0, amount: 0 },
      ...(item.metadata ? { metadata: item.metadata } : {}),
    })),
    ...(order.shipping.amount > 0n || order.shipping.description
      ? { shippingChoice: { amount: money(order.shipping.amount), taxAmount: 0, description: order.shipping.description, serviceLevel: order.shipping.serviceLevel } }
      : {}),
    state: order.state,
    stateTransitions: order.stateTransitions,
    ...(order.fraudState ? { fraudState: order.fraudState, fraudStateTransitions: order.fraudStateTransitions } : {}),
    ...(withPayment
      ? {
          payment: {
            charges: [chargeJson(order)],
            sources: [{ id: order.charge.sourceId, type: "creditCard", currency: order.currency, amount: money(order.charge.amount), reusable: false, creditCard: { brand: "Visa", lastFourDigits: "1111", expirationMonth: 12, expirationYear: 2030 } }],
            session: { id: order.charge.paymentSessionId, amountContributed: money(order.charge.amount), amountRemainingToBeContributed: 0, state: "complete" },
          },
        }
      : {}),
    liveMode: false,
    ...(order.metadata ? { metadata: order.metadata } : {}),
  }
}

export function fulfillmentJson(fulfillment: Fulfillment, order?: Order) {
  return {
    id: fulfillment.id,
    createdTime: fulfillment.createdTime,
    orderId: fulfillment.orderId,
    ...(fulfillment.shipmentId ? { shipmentId: fulfillment.shipmentId } : {}),
    items: fulfillment.items,
    liveMode: false,
    ...(fulfillment.trackingCompany ? { trackingCompany: fulfillment.trackingCompany } : {}),
    ...(fulfillment.trackingNumber ? { trackingNumber: fulfillment.trackingNumber } : {}),
    ...(fulfillment.trackingUrl ? { trackingUrl: fulfillment.trackingUrl } : {}),
    ...(fulfillment.metadata ? { metadata: fulfillment.metadata } : {}),
    ...(order ? { chargeOperationIds: fulfillment.chargeOperationIds, orderDetails: orderJson(order, { withPayment: false }) } : {}),
  }
}

export function refundJson(refund: Refund, order: Order) {
  const money = moneyOf(order)
  const operation = order.charge.refunds.find((candidate) => candidate.id === refund.chargeRefundId)
  const succeeded = refund.state === "succeeded"
  return {
    id: refund.id,
    createdTime: refund.createdTime,
    orderId: refund.orderId,
    currency: refund.currency,
    ...(refund.type ? { type: refund.type } : {}),
    amount: money(refund.amount),
    refundedAmount: money(succeeded ? refund.amount : 0n),
    items: refund.items.map((item) => ({ itemId: item.itemId, ...(item.quantity !== undefined ? { quantity: item.quantity } : {}), amount: money(item.amount), refundedAmount: money(succeeded ? item.amount : 0n) })),
    ...(refund.reason ? { reason: refund.reason } : {}),
    state: refund.state,
    liveMode: false,
    charges: [{ id: order.charge.id, captured: chargeTotals(order.charge).captured > 0n, refunded: succeeded, sourceId: order.charge.sourceId, refunds: operation ? [operationJson(operation, money)] : [] }],
    ...(refund.metadata ? { metadata: refund.metadata } : {}),
  }
}

/** Inspection for `/_sandbox/`: exact decimal strings, per line. */
export function orderSnapshot(order: Order) {
  const scale = scaleOf(order.currency)
  const text = (minor: bigint) => formatDecimal(minor, scale)
  const totals = chargeTotals(order.charge)
  return {
    id: order.id,
    upstreamId: order.upstreamId ?? null,
    checkoutSessionId: order.checkoutSessionId,
    state: order.state,
    fraudState: order.fraudState ?? null,
    chargeState: chargeState(order),
    currency: order.currency,
    totals: {
      total: text(orderTotal(order)),
      authorized: text(totals.authorized),
      captured: text(totals.captured),
      capturePending: text(totals.capturePending),
      captureFailed: text(totals.captureFailed),
      cancelled: text(totals.cancelled),
      refunded: text(totals.refunded),
      availableToRefund: text(availableToRefund(order)),
    },
    lines: [
      ...order.items.map((item) => ({
        itemId: item.id,
        name: (item.productDetails?.name as string | undefined) ?? item.skuId ?? item.id,
        quantity: item.quantity,
        fulfilledQuantity: item.fulfilled,
        cancelledQuantity: item.cancelled,
        amount: text(item.amount),
        captureRequested: text(item.captureRequested),
        captured: text(item.captured),
        cancelRequested: text(item.cancelRequested),
        refunded: text(item.refunded),
        state: itemState(item),
      })),
      { itemId: "shipping", name: "Shipping", amount: text(order.shipping.amount), captureRequested: text(order.shipping.captureRequested), cancelRequested: text(order.shipping.cancelRequested) },
    ],
    charge: chargeJson(order),
  }
}
