import { applyOperation, openInstrument } from "../ledger"
import { fulfillmentCaptureLines, returnRefundLines, unmappedItems } from "../capture-plan"
import type { CheckoutLine } from "../order-lines"

const checkoutLines: CheckoutLine[] = [
  { reference: "A", description: "A", kind: "product", quantity: 2, totalAmount: 2000n, vatRate: "25", orderItemId: "item_a" },
  { reference: "B", description: "B", kind: "product", quantity: 1, totalAmount: 1000n, vatRate: "25", orderItemId: "item_b" },
  { reference: "shipping", description: "Ship", kind: "shipping", quantity: 1, totalAmount: 500n, vatRate: "25" },
]
const ledger = openInstrument({
  currency: "eur",
  origin: "authorized",
  amount: 3500n,
  lines: checkoutLines.map((line) => ({ id: line.reference, quantity: line.quantity, unitAmount: line.totalAmount / BigInt(line.quantity), totalAmount: line.totalAmount })),
})

describe("fulfillmentCaptureLines", () => {
  it("captures the fulfilled items, with shipping on the first capture", () => {
    const first = fulfillmentCaptureLines({ checkoutLines, ledger, items: [{ order_item_id: "item_a", quantity: 1 }], captureShipping: "first" })
    expect(first).toEqual([{ id: "A", quantity: 1 }, { id: "shipping", quantity: 1 }])
    const after = applyOperation(ledger, { key: "c1", kind: "capture", lines: first }).ledger
    expect(fulfillmentCaptureLines({ checkoutLines, ledger: after, items: [{ order_item_id: "item_b", quantity: 1 }], captureShipping: "first" })).toEqual([
      { id: "B", quantity: 1 },
    ])
  })

  it("with captureShipping last, adds shipping only to the capture that completes the order", () => {
    const partial = fulfillmentCaptureLines({ checkoutLines, ledger, items: [{ order_item_id: "item_a", quantity: 2 }], captureShipping: "last" })
    expect(partial).toEqual([{ id: "A", quantity: 2 }])
    const after = applyOperation(ledger, { key: "c1", kind: "capture", lines: partial }).ledger
    expect(fulfillmentCaptureLines({ checkoutLines, ledger: after, items: [{ order_item_id: "item_b", quantity: 1 }], captureShipping: "last" })).toEqual([
      { id: "B", quantity: 1 },
      { id: "shipping", quantity: 1 },
    ])
  })

  it("adds up repeated items and ignores items the PSP lines do not cover", () => {
    const items = [
      { order_item_id: "item_a", quantity: 1 },
      { order_item_id: "item_a", quantity: 1 },
      { order_item_id: "item_x", quantity: 3 },
    ]
    expect(fulfillmentCaptureLines({ checkoutLines, ledger, items, captureShipping: "first" })).toEqual([
      { id: "A", quantity: 2 },
      { id: "shipping", quantity: 1 },
    ])
    expect(unmappedItems(checkoutLines, items)).toEqual([{ order_item_id: "item_x", quantity: 3 }])
  })
})

describe("returnRefundLines", () => {
  it("refunds the returned items only, never shipping", () => {
    expect(returnRefundLines(checkoutLines, [{ order_item_id: "item_b", quantity: 1 }])).toEqual([{ id: "B", quantity: 1 }])
  })
})
