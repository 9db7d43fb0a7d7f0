/**
 * Pure translation between the connector contract and Nemuru Order API payloads.
 *
 * Amounts: Nemuru takes decimal euros ([INFERRED]: the docs' examples use `875` for a sofa) as
 * JSON numbers. They are produced from exact decimal strings (formatDecimal) and read back with
 * parseDecimal; no arithmetic ever happens on the JSON numbers themselves.
 */
import { formatDecimal, parseDecimal } from "../../lifecycle/money"
import type {
  CreateCheckoutInput,
  OrderLineKind,
  PspAction,
  PspActionStatus,
  PspOrderLine,
  PspPayment,
  PspPaymentState,
} from "../types"
import type { NemuruCreateOrderRequest, NemuruOperation, NemuruOperationRequest, NemuruOrder, NemuruOrderStatus } from "./schemas"

/** The key under which our payment is named in `notification_additional_payload` (echoed back). */
export const PAYMENT_PAYLOAD_KEY = "medusa_payment_session_id"

export type NemuruCheckoutSettings = {
  product: "instalments" | "split_pay"
}

const CATEGORY: Record<OrderLineKind, string> = {
  product: "physical",
  shipping: "shipping_fee",
  discount: "discount",
  fee: "fee",
}

/** Decimal euros as a JSON number built from the exact decimal string. */
export function nemuruAmount(minor: bigint, currency: string): number {
  return Number(formatDecimal(minor, currency, 2))
}

export function toNemuruItem(line: PspOrderLine, currency: string): NemuruCreateOrderRequest["cart"]["items"][number] {
  if (line.totalAmount < 0n) {
    // Nemuru items carry no negative prices: a discount must be spread over the lines it applies to
    throw new RangeError(`Nemuru takes no negative order line (${line.reference}: ${formatDecimal(line.totalAmount, currency)})`)
  }
  return {
    article: {
      name: (line.description || line.reference).slice(0, 255),
      type: "product",
      category: CATEGORY[line.kind],
      // how Nemuru's item ids are bound to our lines when the order is read back
      reference: line.reference,
      // informative only: the item's total is what Nemuru charges; a unit price that does not
      // divide exactly is rounded down (the last unit carries the rest, as Nemuru does)
      unit_price_with_tax: nemuruAmount(line.totalAmount / BigInt(Math.max(1, line.quantity)), currency),
    },
    units: line.quantity,
    total_price_with_tax: nemuruAmount(line.totalAmount, currency),
  }
}

export function toNemuruCreateOrder(
  input: CreateCheckoutInput,
  settings: NemuruCheckoutSettings,
  notificationAuthorization: string
): NemuruCreateOrderRequest {
  const customer = input.customer
  const hasCustomer = customer && (customer.email || customer.phone || customer.firstName || customer.lastName)
  return {
    product: settings.product,
    merchant: {
      order_reference_1: input.orderReference,
      order_reference_2: input.key,
      notification_url: input.callbackUrl,
      notification_auth: { authorization_header: notificationAuthorization, content_type: "application/json" },
      notification_additional_payload: { [PAYMENT_PAYLOAD_KEY]: input.key },
      success_url: input.returnUrls.success,
      failure_url: input.returnUrls.fail,
      // on_hold: the shopper comes back to the store, whose order shows the review
      pending_url: input.returnUrls.success,
    },
    ...(hasCustomer
      ? {
          customer: {
            ...(customer.firstName ? { first_name: customer.firstName } : {}),
            ...(customer.lastName ? { last_name: customer.lastName } : {}),
            ...(customer.email ? { email: customer.email } : {}),
            ...(customer.phone ? { phone_number: customer.phone } : {}),
          },
        }
      : {}),
    cart: {
      reference: input.orderReference,
      currency: input.currency.toUpperCase(),
      total_price_with_tax: nemuruAmount(input.amount, input.currency),
      items: input.lines.map((line) => toNemuruItem(line, input.currency)),
    },
  }
}

export class MissingLineIdError extends Error {
  constructor(readonly reference: string) {
    super(`no Nemuru item id is known for order line ${reference}; the order must be read from Nemuru first`)
    this.name = "MissingLineIdError"
  }
}

/** The items of a capture or refund: each line's Nemuru item id and the units this operation covers. */
export function toNemuruOperation(lines: PspOrderLine[], lineIds: Record<string, string>, transactional: boolean): NemuruOperationRequest {
  return {
    items: lines.map((line) => {
      const id = lineIds[line.reference]
      if (!id) {
        throw new MissingLineIdError(line.reference)
      }
      return { id, units: line.quantity }
    }),
    transactional,
  }
}

/**
 * Total: every Nemuru status lands in exactly one lifecycle state.
 *
 * `approved` is the lender's yes before its confirmation: the order may be placed but must not
 * ship (Nemuru refuses captures before `confirmed`), so it is `held` until the lender confirms,
 * which it does at once when our notification answer says `autoconfirm: true`.
 */
export function nemuruPaymentState(
  status: NemuruOrderStatus,
  amounts: { authorized: bigint; captured: bigint; pendingCapture: bigint }
): PspPaymentState {
  switch (status) {
    case "pending":
      return "awaiting_shopper"
    case "approved":
    case "on_hold":
      return "held"
    case "denied":
      return "rejected"
    case "cancelled":
      return "canceled"
    case "confirmed":
      if (amounts.authorized > 0n || amounts.pendingCapture > 0n) {
        return "authorized"
      }
      return amounts.captured > 0n ? "captured" : "canceled"
  }
}

const ACTION_STATUS: Record<NemuruOperation["status"], PspActionStatus> = {
  pending: "pending",
  confirmed: "succeeded",
  rejected: "failed",
}

export function toPspAction(operation: NemuruOperation, kind: "capture" | "refund", order: NemuruOrder, currency: string): PspAction {
  const referenceOf = new Map(order.cart.items.map((item) => [item.id, item.article.reference ?? item.id]))
  const status = ACTION_STATUS[operation.status]
  return {
    id: operation.id,
    kind,
    status,
    amount: parseDecimal(operation.amount, currency),
    lines: operation.items.map((item) => ({
      reference: referenceOf.get(item.id) ?? item.id,
      quantity: item.units,
      amount: parseDecimal(item.amount, currency),
    })),
    ...(status === "failed" ? { failureReason: operation.reason ?? `the lender rejected the ${kind}` } : {}),
    ...(operation.created_at ? { createdAt: operation.created_at } : {}),
  }
}

/** The id of a canceled order's release: Nemuru has one cancel per order, named by the order. */
export function cancelActionId(orderId: string): string {
  return `${orderId}:cancel`
}

export function fromNemuruOrder(order: NemuruOrder, currency: string): PspPayment {
  const total = parseDecimal(order.cart.total_price_with_tax, currency)
  const confirmedSum = (operations: NemuruOperation[], status: NemuruOperation["status"]) =>
    operations.filter((operation) => operation.status === status).reduce((sum, operation) => sum + parseDecimal(operation.amount, currency), 0n)
  const captured = order.captured_amount !== undefined ? parseDecimal(order.captured_amount, currency) : confirmedSum(order.captures, "confirmed")
  const refunded = order.refunded_amount !== undefined ? parseDecimal(order.refunded_amount, currency) : confirmedSum(order.refunds, "confirmed")
  const pendingCapture = confirmedSum(order.captures, "pending")
  // what is still reserved and not asked for: a pending capture no longer counts as capturable
  const authorized = order.status === "confirmed" ? total - captured - pendingCapture : 0n
  const lineIds: Record<string, string> = {}
  for (const item of order.cart.items) {
    if (item.article.reference) {
      lineIds[item.article.reference] = item.id
    }
  }
  const actions = [
    ...order.captures.map((operation) => toPspAction(operation, "capture", order, currency)),
    ...order.refunds.map((operation) => toPspAction(operation, "refund", order, currency)),
  ].sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? ""))
  const canceled = order.status === "cancelled" ? total - captured : 0n
  if (order.status === "cancelled") {
    // Nemuru cancels the whole order: its record of the release is the order itself
    actions.push({ id: cancelActionId(order.order_id), kind: "cancel", status: "succeeded", amount: canceled, lines: [] })
  }
  const state = nemuruPaymentState(order.status, { authorized, captured, pendingCapture })
  return {
    pspReference: order.order_id,
    state,
    rawStatus: order.status,
    currency: currency.toLowerCase(),
    totalAmount: total,
    authorizedAmount: authorized,
    capturedAmount: captured,
    refundedAmount: refunded,
    canceledAmount: canceled,
    actions,
    lineIds,
    ...(order.redirect_url ? { redirectUrl: order.redirect_url } : {}),
    ...(order.status === "denied" ? { rejectedReason: "denied" } : {}),
  }
}
