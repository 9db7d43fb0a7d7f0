/**
 * Which order lines a fulfillment captures and a return refunds: the items it names, mapped to
 * the PSP lines they were sold as, plus shipping by the capture policy. Pure.
 */
import { lineAvailabilities, type InstrumentLedger, type LineQuantity } from "./ledger"
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
}): LineQuantity[] {
  const products = productLinesFor(input.checkoutLines, input.items)
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
    .filter((entry) => kindOf.get(entry.line.id) !== "shipping")
    .every((entry) => entry.available - (taking.get(entry.line.id) ?? 0) <= 0)
  return completes ? [...products, ...shipping] : products
}

export function returnRefundLines(checkoutLines: CheckoutLine[], items: ItemQuantity[]): LineQuantity[] {
  return productLinesFor(checkoutLines, items)
}
