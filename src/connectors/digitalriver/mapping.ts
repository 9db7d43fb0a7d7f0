/**
 * Pure translation between the connector contract and Digital River payloads.
 *
 * Lines: every line of ours (products, shipping, fees) is one Digital River order item, with our
 * line reference in the item's `metadata`; Digital River numbers the items (`itemId`), exposed as
 * `PspPayment.lineIds`. Shipping is sent as an item too, so that every capture, cancel and refund
 * names exactly the lines it covers (a `shippingChoice` would be captured implicitly with the
 * first shipment).
 *
 * Amounts: Digital River takes decimal major units as JSON numbers. They are produced from exact
 * decimal strings (formatDecimal) and read back with parseDecimal; no arithmetic ever happens on
 * the JSON numbers themselves.
 */
import { fitKey } from "../keys"
import { formatDecimal, parseDecimal } from "../../lifecycle/money"
import type { CreateCheckoutInput, PspAction, PspActionStatus, PspLineAmount, PspOrderLine, PspPayment, PspPaymentState } from "../types"
import {
  LINE_REFERENCE_METADATA,
  METADATA_VALUE_MAX_LENGTH,
  OPERATION_KEY_METADATA,
  type DigitalRiverCharge,
  type DigitalRiverChargeOperation,
  type DigitalRiverCheckoutSessionRequest,
  type DigitalRiverFulfillment,
  type DigitalRiverFulfillmentRequest,
  type DigitalRiverOrder,
  type DigitalRiverOrderState,
  type DigitalRiverRefund,
  type DigitalRiverRefundRequest,
} from "./schemas"

/** Digital River prices with at most 2 decimals (0 for JPY and other zero-decimal currencies). */
export const DR_MAX_DECIMALS = 2

/** A line Digital River cannot take (a negative amount, an unknown line): nothing is sent. */
export class DigitalRiverMappingError extends Error {
  constructor(message: string) {
    super(message)
    this.name = "DigitalRiverMappingError"
  }
}

export function drAmount(minor: bigint, currency: string): number {
  return Number(formatDecimal(minor, currency, DR_MAX_DECIMALS))
}

function parseAmount(value: string | number | null | undefined, currency: string): bigint {
  return value === undefined || value === null ? 0n : parseDecimal(value, currency)
}

/** Our key as Digital River keeps it in `metadata` (hashed when too long, never cut). */
export function metadataKey(key: string): string {
  return fitKey(key, METADATA_VALUE_MAX_LENGTH)
}

export type DigitalRiverCheckoutSettings = { locale?: string }

export function toCheckoutSessionRequest(input: CreateCheckoutInput, settings: DigitalRiverCheckoutSettings = {}): DigitalRiverCheckoutSessionRequest {
  const currency = input.currency
  return {
    // our payment session key: unique per session, and how the order is found again (pspReference)
    upstreamId: input.key,
    currency: currency.toUpperCase(),
    ...(input.customer?.email ? { email: input.customer.email } : {}),
    ...(settings.locale ? { locale: settings.locale } : {}),
    items: input.lines.map((line) => {
      if (line.totalAmount < 0n) {
        throw new DigitalRiverMappingError(
          `Digital River prices items at 0 or more; line ${line.reference} (${line.description}) is ${formatDecimal(line.totalAmount, currency)} ${currency.toUpperCase()}`
        )
      }
      if (line.quantity < 1 || !Number.isSafeInteger(line.quantity)) {
        throw new DigitalRiverMappingError(`Digital River items have whole quantities of at least 1; line ${line.reference} has ${line.quantity}`)
      }
      return {
        productDetails: { id: line.reference.slice(0, 100), name: line.description || line.reference },
        // the unit price rounded down; the exact line total is aggregatePrice
        price: drAmount(line.totalAmount / BigInt(line.quantity), currency),
        aggregatePrice: drAmount(line.totalAmount, currency),
        quantity: line.quantity,
        metadata: { [LINE_REFERENCE_METADATA]: line.reference.slice(0, METADATA_VALUE_MAX_LENGTH) },
      }
    }),
    redirects: { successUrl: input.returnUrls.success, cancelUrl: input.returnUrls.fail },
    metadata: { medusaOrderReference: input.orderReference.slice(0, METADATA_VALUE_MAX_LENGTH) },
  }
}

/** Our line reference → Digital River item id, from the items' metadata. */
export function lineIdsOf(order: Pick<DigitalRiverOrder, "items">): Record<string, string> {
  const ids: Record<string, string> = {}
  for (const item of order.items) {
    const reference = item.metadata?.[LINE_REFERENCE_METADATA]
    if (typeof reference === "string" && reference) {
      ids[reference] = item.id
    }
  }
  return ids
}

function itemIdOf(line: Pick<PspOrderLine, "reference">, lineIds: Record<string, string>): string {
  const itemId = lineIds[line.reference]
  if (!itemId) {
    throw new DigitalRiverMappingError(`Digital River order has no item for our line ${line.reference}`)
  }
  return itemId
}

/** Shipped (`quantity`) or cancelled (`cancelQuantity`) units of exactly these lines, our key in metadata. */
export function toFulfillmentRequest(
  orderId: string,
  kind: "ship" | "cancel",
  lines: Array<Pick<PspOrderLine, "reference" | "quantity">>,
  lineIds: Record<string, string>,
  key: string
): DigitalRiverFulfillmentRequest {
  const units = new Map<string, number>()
  for (const line of lines) {
    if (line.quantity <= 0) {
      continue
    }
    const itemId = itemIdOf(line, lineIds)
    units.set(itemId, (units.get(itemId) ?? 0) + line.quantity)
  }
  if (units.size === 0) {
    throw new DigitalRiverMappingError("a Digital River fulfillment needs at least one unit")
  }
  return {
    orderId,
    items: [...units].map(([itemId, quantity]) => (kind === "ship" ? { itemId, quantity } : { itemId, cancelQuantity: quantity })),
    metadata: { [OPERATION_KEY_METADATA]: metadataKey(key) },
  }
}

/** A refund of exactly these lines (quantity and amount each), in the order's currency. */
export function toRefundRequest(
  orderId: string,
  currency: string,
  lines: PspOrderLine[],
  lineIds: Record<string, string>,
  key: string
): DigitalRiverRefundRequest {
  if (lines.length === 0) {
    throw new DigitalRiverMappingError("a Digital River refund names the lines it refunds")
  }
  return {
    orderId,
    currency: currency.toUpperCase(),
    items: lines.map((line) => ({ itemId: itemIdOf(line, lineIds), quantity: line.quantity, amount: drAmount(line.totalAmount, currency) })),
    metadata: { [OPERATION_KEY_METADATA]: metadataKey(key) },
  }
}

/** Units of each item not yet fulfilled nor cancelled, from the order's fulfillments. */
export function unitsLeft(order: Pick<DigitalRiverOrder, "items">, fulfillments: DigitalRiverFulfillment[]): Map<string, number> {
  const left = new Map(order.items.map((item) => [item.id, item.quantity]))
  for (const fulfillment of fulfillments) {
    for (const item of fulfillment.items) {
      left.set(item.itemId, (left.get(item.itemId) ?? 0) - (item.quantity ?? 0) - (item.cancelQuantity ?? 0))
    }
  }
  return left
}

/** Total: every Digital River order state lands in exactly one lifecycle state. */
export function drPaymentState(
  state: DigitalRiverOrderState,
  amounts: { authorized: bigint; capturePending: bigint; captured: bigint }
): PspPaymentState {
  switch (state) {
    case "pending_payment":
      return "awaiting_shopper"
    case "in_review":
      return "held"
    case "blocked":
      return "rejected"
    case "cancelled":
      return "canceled"
    case "accepted":
    case "fulfilled":
    case "complete":
    case "returned":
    case "dispute":
      if (amounts.authorized > 0n || amounts.capturePending > 0n) {
        return "authorized"
      }
      return amounts.captured > 0n ? "captured" : "canceled"
  }
}

/** A capture's, cancel's or refund's state at Digital River, as an action status. */
export function drOperationStatus(state: string | undefined): PspActionStatus {
  switch (state) {
    case "complete":
    case "succeeded":
      return "succeeded"
    case "failed":
    case "expired":
      return "failed"
    default:
      // pending, pending_information, or not yet on the charge
      return "pending"
  }
}

export function captureFailureReason(fulfillmentId: string, operation: Pick<DigitalRiverChargeOperation, "failureCode" | "failureMessage">): string {
  const why = [operation.failureCode, operation.failureMessage].filter(Boolean).join(": ") || "no reason given"
  return (
    `Digital River could not capture fulfillment ${fulfillmentId} (${why}). ` +
    "Cancel the shipment with your logistics partner if you still can, or contact the shopper to arrange a return or another payment."
  )
}

type ChargeTotals = { captured: bigint; cancelled: bigint; capturePending: bigint; cancelPending: bigint; captureFailed: bigint; amount: bigint }

export function chargeTotals(charges: DigitalRiverCharge[], currency: string): ChargeTotals {
  const totals: ChargeTotals = { captured: 0n, cancelled: 0n, capturePending: 0n, cancelPending: 0n, captureFailed: 0n, amount: 0n }
  for (const charge of charges) {
    totals.amount += parseAmount(charge.amount, currency)
    for (const capture of charge.captures) {
      const value = parseAmount(capture.amount, currency)
      const status = drOperationStatus(capture.state)
      if (status === "succeeded") totals.captured += value
      else if (status === "failed") totals.captureFailed += value
      else totals.capturePending += value
    }
    for (const cancel of charge.cancels) {
      const value = parseAmount(cancel.amount, currency)
      const status = drOperationStatus(cancel.state)
      if (status === "succeeded") totals.cancelled += value
      else if (status === "pending") totals.cancelPending += value
    }
  }
  return totals
}

const keyOf = (metadata: Record<string, unknown> | null | undefined): string | undefined => {
  const value = metadata?.[OPERATION_KEY_METADATA]
  return typeof value === "string" && value ? value : undefined
}

/**
 * The capture and cancel actions of the order's fulfillments. Each fulfillment with shipped units
 * is a capture action, each with cancelled units a cancel action, both under the fulfillment's id
 * (the id its POST answered) and our key from its metadata; their state is the charge's capture or
 * cancel entry that names the fulfillment. Line amounts replay Digital River's split of a line:
 * `k` of `n` units cost `amount × k / n` rounded down, the last units take the rest.
 */
export function fulfillmentActions(
  order: Pick<DigitalRiverOrder, "items">,
  charges: DigitalRiverCharge[],
  fulfillments: DigitalRiverFulfillment[],
  currency: string
): PspAction[] {
  const references = new Map(Object.entries(lineIdsOf(order)).map(([reference, itemId]) => [itemId, reference]))
  const items = new Map(order.items.map((item) => [item.id, { quantity: item.quantity, amount: parseAmount(item.amount, currency), settled: 0 }]))
  const captures = charges.flatMap((charge) => charge.captures)
  const cancels = charges.flatMap((charge) => charge.cancels)
  const chronological = [...fulfillments].sort((a, b) => (a.createdTime ?? "").localeCompare(b.createdTime ?? ""))
  const actions: PspAction[] = []
  for (const fulfillment of chronological) {
    const shipped: PspLineAmount[] = []
    const cancelled: PspLineAmount[] = []
    for (const line of fulfillment.items) {
      const item = items.get(line.itemId)
      const reference = references.get(line.itemId) ?? line.itemId
      const take = (units: number): bigint => {
        if (!item || item.quantity === 0) {
          return 0n
        }
        const upTo = (count: number) => (item.amount * BigInt(count)) / BigInt(item.quantity)
        const value = upTo(item.settled + units) - upTo(item.settled)
        item.settled += units
        return value
      }
      if (line.quantity) {
        shipped.push({ reference, quantity: line.quantity, amount: take(line.quantity) })
      }
      if (line.cancelQuantity) {
        cancelled.push({ reference, quantity: line.cancelQuantity, amount: take(line.cancelQuantity) })
      }
    }
    const named = (operations: DigitalRiverChargeOperation[]) =>
      operations.find((operation) => operation.fulfillmentId === fulfillment.id) ??
      operations.find((operation) => (fulfillment.chargeOperationIds ?? []).includes(operation.id))
    const key = keyOf(fulfillment.metadata)
    const action = (kind: "capture" | "cancel", lines: PspLineAmount[], operation: DigitalRiverChargeOperation | undefined): PspAction => {
      const status = drOperationStatus(operation?.state)
      return {
        id: fulfillment.id,
        kind,
        status,
        ...(key ? { key } : {}),
        amount: operation ? parseAmount(operation.amount, currency) : lines.reduce((sum, line) => sum + line.amount, 0n),
        lines,
        ...(status === "failed" && kind === "capture" && operation ? { failureReason: captureFailureReason(fulfillment.id, operation) } : {}),
        ...(status === "failed" && kind === "cancel" && operation
          ? { failureReason: `Digital River could not cancel fulfillment ${fulfillment.id} (${operation.failureCode ?? "no reason given"})` }
          : {}),
        ...(fulfillment.createdTime ? { createdAt: fulfillment.createdTime } : {}),
      }
    }
    if (shipped.length) {
      actions.push(action("capture", shipped, named(captures)))
    }
    if (cancelled.length) {
      actions.push(action("cancel", cancelled, named(cancels)))
    }
  }
  // cancels Digital River made on its own (a blocked order's authorization released): no fulfillment
  const known = new Set(fulfillments.flatMap((fulfillment) => [fulfillment.id, ...(fulfillment.chargeOperationIds ?? [])]))
  for (const cancel of cancels) {
    if (!(cancel.fulfillmentId && known.has(cancel.fulfillmentId)) && !known.has(cancel.id)) {
      actions.push({
        id: cancel.id,
        kind: "cancel",
        status: drOperationStatus(cancel.state),
        amount: parseAmount(cancel.amount, currency),
        lines: [],
        ...(cancel.createdTime ? { createdAt: cancel.createdTime } : {}),
      })
    }
  }
  return actions
}

export function refundActions(order: Pick<DigitalRiverOrder, "items">, refunds: DigitalRiverRefund[], currency: string): PspAction[] {
  const references = new Map(Object.entries(lineIdsOf(order)).map(([reference, itemId]) => [itemId, reference]))
  return refunds.map((refund) => {
    const status = drOperationStatus(refund.state)
    const key = keyOf(refund.metadata)
    return {
      id: refund.id,
      kind: "refund" as const,
      status,
      ...(key ? { key } : {}),
      amount: parseAmount(refund.amount, currency),
      lines: refund.items
        .filter((item) => item.itemId)
        .map((item) => ({
          reference: references.get(item.itemId!) ?? item.itemId!,
          quantity: item.quantity ?? 0,
          amount: parseAmount(item.amount, currency),
        })),
      ...(status === "failed" ? { failureReason: `Digital River refund ${refund.id} ${refund.state}${refund.failureReason ? `: ${refund.failureReason}` : ""}` } : {}),
      ...(refund.createdTime ? { createdAt: refund.createdTime } : {}),
    }
  })
}

/** The order, its fulfillments and refunds as the contract's payment. */
export function fromDigitalRiverOrder(
  order: DigitalRiverOrder,
  fulfillments: DigitalRiverFulfillment[],
  refunds: DigitalRiverRefund[],
  currency: string
): PspPayment {
  const code = currency.toLowerCase()
  const charges = order.payment?.charges ?? []
  const totals = chargeTotals(charges, code)
  const capturable = ["accepted", "fulfilled", "complete", "returned", "dispute"].includes(order.state)
  // still reserved and capturable: neither captured, cancelled, in flight nor lost to a failed capture
  const open = totals.amount - totals.captured - totals.cancelled - totals.capturePending - totals.cancelPending - totals.captureFailed
  const authorized = capturable && open > 0n ? open : 0n
  const captured = parseAmount(order.capturedAmount, code)
  const state = drPaymentState(order.state, { authorized, capturePending: totals.capturePending, captured })
  const chargeState = charges.map((charge) => charge.state).join(",")
  return {
    pspReference: order.id,
    state,
    rawStatus: chargeState ? `${order.state} (charge ${chargeState})` : order.state,
    currency: code,
    totalAmount: parseAmount(order.totalAmount, code),
    authorizedAmount: authorized,
    capturedAmount: captured,
    refundedAmount: parseAmount(order.refundedAmount, code),
    canceledAmount: parseAmount(order.cancelledAmount, code),
    actions: [...fulfillmentActions(order, charges, fulfillments, code), ...refundActions(order, refunds, code)],
    lineIds: lineIdsOf(order),
    ...(order.state === "blocked" ? { rejectedReason: `blocked${order.fraudState ? ` (fraud state ${order.fraudState})` : ""}` } : {}),
  }
}

/** The payment as it stands right after the checkout session was made: no order yet. */
export function awaitingShopper(input: CreateCheckoutInput, reference: string, redirectUrl: string): PspPayment {
  return {
    pspReference: reference,
    state: "awaiting_shopper",
    rawStatus: "checkout_session_open",
    currency: input.currency.toLowerCase(),
    totalAmount: input.amount,
    authorizedAmount: 0n,
    capturedAmount: 0n,
    refundedAmount: 0n,
    canceledAmount: 0n,
    actions: [],
    redirectUrl,
  }
}
