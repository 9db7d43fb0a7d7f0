import { randomInt } from "node:crypto"
import { sum } from "../../core/money"
import type { CreateOrderInput, OrderItemInput, PaymentMethod } from "./schemas"

/**
 * A CM.com PSP order: an amount the shopper must pay, paid by one or more payments (partial payments,
 * gift cards, failed attempts). Money is held as bigint minor units; the API speaks integer minor units.
 */
export type AuthorizationState = "REDIRECTED_FOR_AUTHENTICATION" | "AUTHORIZED" | "CANCELED"
export type SafeLevel = "SAFE" | "FAST"

export type Movement = { id: string; amount: bigint; state: "CAPTURED" | "REFUNDED"; date: string; reference?: string; description?: string }

export type Payment = {
  id: string
  method: PaymentMethod
  amount: bigint
  state: AuthorizationState
  confidence?: "ACQUIRER_APPROVED" | "ACQUIRER_PENDING"
  reason?: string
  /** Authorized but held by the risk check: the order is not considered safe until it is released. */
  held: boolean
  captures: Movement[]
  refunds: Movement[]
  createdAt: string
}

export type Order = {
  key: string
  merchantKey: string
  request: CreateOrderInput
  createdAt: string
  expiresAt: Date
  expired: boolean
  items: OrderItemInput[]
  payments: Payment[]
  consideredSafe?: { level: SafeLevel; timestamp: string }
}

/** CM payment ids look like `pid4911203603t`. */
export const paymentId = () => `pid${randomInt(1_000_000_000, 9_999_999_999)}t`

export const captured = (payment: Payment) => sum(payment.captures.map((movement) => movement.amount))
export const refunded = (payment: Payment) => sum(payment.refunds.map((movement) => movement.amount))
export const capturable = (payment: Payment) => (payment.state === "AUTHORIZED" ? payment.amount - captured(payment) : 0n)
export const refundable = (payment: Payment) => captured(payment) - refunded(payment)

export function authorizedTotal(order: Order): bigint {
  return sum(order.payments.filter((payment) => payment.state === "AUTHORIZED").map((payment) => payment.amount))
}

/** What the shopper still has to pay (pending attempts do not count). */
export const remaining = (order: Order) => BigInt(order.request.amount) - authorizedTotal(order)

export const fullyAuthorized = (order: Order) => remaining(order) <= 0n

/** Inspection-only order status; CM's API exposes the payments and `considered_safe`, not one status. */
export function orderStatus(order: Order): "NEW" | "PARTIALLY_AUTHORIZED" | "AUTHORIZED" | "EXPIRED" {
  if (fullyAuthorized(order)) {
    return "AUTHORIZED"
  }
  if (order.expired) {
    return "EXPIRED"
  }
  return authorizedTotal(order) > 0n ? "PARTIALLY_AUTHORIZED" : "NEW"
}

const int = (minor: bigint) => Number(minor)

function movementJson(movement: Movement, currency: string) {
  return {
    id: movement.id,
    amount: int(movement.amount),
    currency,
    state: movement.state,
    date_last_modified: movement.date,
    ...(movement.reference ? { reference: movement.reference } : {}),
    ...(movement.description ? { description: movement.description } : {}),
  }
}

/** `GET orders/{order_key}`: the order, `considered_safe` once it is, and every payment. */
export function orderJson(order: Order) {
  const { request } = order
  return {
    order_key: order.key,
    order_reference: request.order_reference,
    description: request.description,
    amount: request.amount,
    currency: request.currency,
    ...(request.email ? { email: request.email } : {}),
    language: request.language,
    ...(request.country ? { country: request.country } : {}),
    ...(request.profile ? { profile: request.profile } : {}),
    timestamp: order.createdAt,
    expires_on: order.expiresAt.toISOString(),
    ...(order.consideredSafe ? { considered_safe: order.consideredSafe } : {}),
    payments: order.payments.map((payment) => ({
      id: payment.id,
      method: payment.method,
      authorization: {
        amount: int(payment.amount),
        currency: request.currency,
        ...(payment.confidence ? { confidence: payment.confidence } : {}),
        state: payment.state,
        ...(payment.reason ? { reason: payment.reason } : {}),
      },
      captures: payment.captures.map((movement) => movementJson(movement, request.currency)),
      refunds: payment.refunds.map((movement) => movementJson(movement, request.currency)),
    })),
  }
}

/** Inspection for `/_sandbox/`: integer minor units as strings, per payment and per item. */
export function orderSnapshot(order: Order) {
  const text = (minor: bigint) => minor.toString()
  const payments = order.payments
  return {
    orderKey: order.key,
    merchantKey: order.merchantKey,
    orderReference: order.request.order_reference,
    status: orderStatus(order),
    consideredSafe: order.consideredSafe ?? null,
    currency: order.request.currency,
    totals: {
      amount: text(BigInt(order.request.amount)),
      authorized: text(authorizedTotal(order)),
      captured: text(sum(payments.map(captured))),
      refunded: text(sum(payments.map(refunded))),
      capturable: text(sum(payments.map(capturable))),
      remainingToPay: text(remaining(order) > 0n ? remaining(order) : 0n),
    },
    payments: payments.map((payment) => ({
      id: payment.id,
      method: payment.method,
      state: payment.state,
      held: payment.held,
      authorized: text(payment.state === "AUTHORIZED" ? payment.amount : 0n),
      captured: text(captured(payment)),
      refunded: text(refunded(payment)),
      capturable: text(capturable(payment)),
    })),
    lines: order.items.map((item) => ({ number: item.number, code: item.code, name: item.name, quantity: item.quantity, amount: String(item.amount) })),
  }
}
