/**
 * Which order lines a fulfillment captures and a return refunds: the items it names, mapped to
 * the PSP lines they were sold as, plus shipping by the capture policy. Pure.
 */
import { balances, isCreditLine, lineAmount, lineAvailabilities, type InstrumentLedger, type LineQuantity } from "./ledger"
import type { CheckoutLine } from "./order-lines"
import type { LifecyclePolicy } from "./policy"

export type ItemQuantity = { order_item_id: string; quantity: number }

function productLinesFor(checkoutLines: CheckoutLine[], items: ItemQuantity[]): LineQuantity[] {
  const byItem = new Map(checkoutLines.filter((line) => line.orderItemId).map((line) => [line.orderItemId!, line.reference]))
  const quantities = new Map<string, number>()
  for (const item of items) {
    const reference = byItem.get(item.order_item_id)
    if (reference && item.quantity > 0) {
      quantities.set(reference, (quantities.get(reference) ?? 0) + item.quantity)
    }
  }
  return [...quantities].map(([id, quantity]) => ({ id, quantity }))
}

/** Items of the order the PSP lines do not cover (they cannot be captured by line). */
export function unmappedItems(checkoutLines: CheckoutLine[], items: ItemQuantity[]): ItemQuantity[] {
  const mapped = new Set(checkoutLines.map((line) => line.orderItemId).filter(Boolean))
  return items.filter((item) => item.quantity > 0 && !mapped.has(item.order_item_id))
}

export function fulfillmentCaptureLines(input: {
  checkoutLines: CheckoutLine[]
  ledger: InstrumentLedger
  items: ItemQuantity[]
  captureShipping: LifecyclePolicy["captureShipping"]
  /** every item fulfilled so far, this fulfillment included (used while a credit line is open) */
  fulfilled?: ItemQuantity[]
  /**
   * A fulfillment's capture: units already captured beyond what earlier shipments took (an admin
   * capture ahead of the shipment) count towards this one, so each line captures only the shipped
   * units not captured yet. Needs `fulfilled`; off for the admin's and the whole order's captures.
   */
  owedByShipments?: boolean
}): LineQuantity[] {
  const products = owedByShipments(input, productLinesFor(input.checkoutLines, input.items))
  return withCredit(input, withShipping(input, products))
}

/** Per line: at most the units fulfilled so far less the units captured or in flight. */
function owedByShipments(input: Parameters<typeof fulfillmentCaptureLines>[0], products: LineQuantity[]): LineQuantity[] {
  if (!input.owedByShipments || !input.fulfilled) {
    return products
  }
  const taken = new Map(lineAvailabilities(input.ledger, "capture").map((entry) => [entry.line.id, entry.taken]))
  const shipped = new Map(productLinesFor(input.checkoutLines, input.fulfilled).map((line) => [line.id, line.quantity]))
  return products
    .map((line) => {
      const fulfilled = shipped.get(line.id)
      return fulfilled === undefined ? line : { id: line.id, quantity: Math.min(line.quantity, fulfilled - (taken.get(line.id) ?? 0)) }
    })
    .filter((line) => line.quantity > 0)
}

function withShipping(input: Parameters<typeof fulfillmentCaptureLines>[0], products: LineQuantity[]): LineQuantity[] {
  const kindOf = new Map(input.checkoutLines.map((line) => [line.reference, line.kind]))
  const availability = lineAvailabilities(input.ledger, "capture")
  const shipping = availability
    .filter((entry) => kindOf.get(entry.line.id) === "shipping" && entry.available > 0)
    .map((entry) => ({ id: entry.line.id, quantity: entry.available }))
  if (!products.length || !shipping.length) {
    return products
  }
  if (input.captureShipping === "first") {
    return [...products, ...shipping]
  }
  // "last": shipping goes with the capture after which no product unit is left to capture
  const taking = new Map(products.map((line) => [line.id, line.quantity]))
  const completes = availability
    .filter((entry) => kindOf.get(entry.line.id) !== "shipping" && !isCreditLine(entry.line))
    .every((entry) => entry.available - (taking.get(entry.line.id) ?? 0) <= 0)
  return completes ? [...products, ...shipping] : products
}

/**
 * A gift card or store credit (a credit line) is captured once, with a capture it lowers. A
 * fulfillment's lines are captured alone while the lines still open can carry the credit later;
 * otherwise the credit goes with this capture, together with the lines of earlier fulfillments
 * that waited for it; and a fulfillment the credit still covers entirely captures nothing yet
 * (its lines go with a later one). So every capture is positive, none exceeds the authorization,
 * and all of them together add up to it.
 */
function withCredit(input: Parameters<typeof fulfillmentCaptureLines>[0], own: LineQuantity[]): LineQuantity[] {
  const availability = lineAvailabilities(input.ledger, "capture")
  const credits = availability.filter((entry) => isCreditLine(entry.line) && entry.available > 0)
  if (!credits.length || !own.length) {
    return own
  }
  const entryOf = new Map(availability.map((entry) => [entry.line.id, entry]))
  const value = (lines: LineQuantity[]) =>
    lines.reduce((sum, line) => {
      const entry = entryOf.get(line.id)
      return entry ? sum + lineAmount(entry.line, entry.taken, line.quantity) : sum
    }, 0n)
  const { capturable, pendingCapture } = balances(input.ledger)
  const room = capturable - pendingCapture
  const credit = -credits.reduce((sum, entry) => sum + lineAmount(entry.line, entry.taken, 1), 0n)
  const openPositive = availability
    .filter((entry) => !isCreditLine(entry.line))
    .reduce((sum, entry) => sum + lineAmount(entry.line, entry.taken, entry.available), 0n)
  const ownValue = value(own)
  if (ownValue <= room && openPositive - ownValue > credit) {
    return own
  }
  const quantities = new Map(own.map((line) => [line.id, line.quantity]))
  for (const line of productLinesFor(input.checkoutLines, input.fulfilled ?? [])) {
    const entry = entryOf.get(line.id)
    if (!entry) {
      continue
    }
    // fulfilled earlier, not captured nor in flight: it waited for the credit
    const waiting = Math.min(line.quantity - entry.taken, entry.available) - (quantities.get(line.id) ?? 0)
    if (waiting > 0) {
      quantities.set(line.id, (quantities.get(line.id) ?? 0) + waiting)
    }
  }
  const combined = [...quantities].map(([id, quantity]) => ({ id, quantity }))
  const total = value(combined) - credit
  if (total > 0n && total <= room) {
    return [...combined, ...credits.map((entry) => ({ id: entry.line.id, quantity: 1 }))]
  }
  return []
}

export function returnRefundLines(checkoutLines: CheckoutLine[], items: ItemQuantity[]): LineQuantity[] {
  return productLinesFor(checkoutLines, items)
}
