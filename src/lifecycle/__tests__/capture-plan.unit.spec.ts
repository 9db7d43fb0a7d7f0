import fc from "fast-check"
import { applyOperation, openInstrument } from "../ledger"
import { fulfillmentCaptureLines, returnRefundLines, unmappedItems } from "../capture-plan"
import { linesForAmount } from "../line-selection"
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

describe("fulfillmentCaptureLines for a shipment (owedByShipments)", () => {
  // the admin captured one A ahead of any shipment
  const ahead = applyOperation(ledger, { key: "admin", kind: "capture", lines: [{ id: "A", quantity: 1 }] }).ledger
  const plan = (book: typeof ledger, items: { order_item_id: string; quantity: number }[], fulfilled: { order_item_id: string; quantity: number }[]) =>
    fulfillmentCaptureLines({ checkoutLines, ledger: book, items, fulfilled, captureShipping: "first", owedByShipments: true })

  it("a unit captured ahead counts towards its shipment: shipping it captures nothing more for that line", () => {
    expect(plan(ahead, [{ order_item_id: "item_a", quantity: 1 }, { order_item_id: "item_b", quantity: 1 }], [{ order_item_id: "item_a", quantity: 1 }, { order_item_id: "item_b", quantity: 1 }])).toEqual([
      { id: "B", quantity: 1 },
      { id: "shipping", quantity: 1 },
    ])
  })

  it("shipping more units than are left to capture captures the rest", () => {
    expect(plan(ahead, [{ order_item_id: "item_a", quantity: 2 }], [{ order_item_id: "item_a", quantity: 2 }])).toEqual([
      { id: "A", quantity: 1 },
      { id: "shipping", quantity: 1 },
    ])
  })

  it("without captures ahead it is the plain fulfillment capture", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1 }), (a, b) => {
        const items = [{ order_item_id: "item_a", quantity: a }, ...(b ? [{ order_item_id: "item_b", quantity: b }] : [])]
        expect(plan(ledger, items, items)).toEqual(fulfillmentCaptureLines({ checkoutLines, ledger, items, captureShipping: "first" }))
      })
    )
  })
})

describe("returnRefundLines", () => {
  it("refunds the returned items only, never shipping", () => {
    expect(returnRefundLines(checkoutLines, [{ order_item_id: "item_b", quantity: 1 }])).toEqual([{ id: "B", quantity: 1 }])
  })
})

describe("a gift card or store credit (a credit line)", () => {
  // 4 × 25.00 and a 60.00 store credit: 40.00 authorized
  const lines: CheckoutLine[] = [
    { reference: "T", description: "Tee", kind: "product", quantity: 4, totalAmount: 10_000n, vatRate: "25", orderItemId: "item_t" },
    { reference: "credit", description: "Gift card or store credit", kind: "discount", quantity: 1, totalAmount: -6_000n, vatRate: "0" },
  ]
  const opened = openInstrument({
    currency: "eur",
    origin: "authorized",
    amount: 4_000n,
    lines: lines.map((line) => ({ id: line.reference, quantity: line.quantity, unitAmount: line.totalAmount / BigInt(line.quantity), totalAmount: line.totalAmount })),
  })

  it("every shipment captures what it may, the credit waits for the capture it fits in, and the captures add up to the authorization", () => {
    let book = opened
    let fulfilled = 0
    const captures: bigint[] = []
    for (let shipment = 1; shipment <= 4; shipment++) {
      fulfilled += 1
      const plan = fulfillmentCaptureLines({
        checkoutLines: lines,
        ledger: book,
        items: [{ order_item_id: "item_t", quantity: 1 }],
        captureShipping: "first",
        fulfilled: [{ order_item_id: "item_t", quantity: fulfilled }],
      })
      if (plan.length) {
        const outcome = applyOperation(book, { key: `c${shipment}`, kind: "capture", lines: plan })
        captures.push(outcome.operation.amount)
        book = outcome.ledger
      }
    }
    // 25 alone (75 still open carries the 60 credit); the next two are covered by the credit and wait;
    // the last captures the three waiting units with the credit: 75 - 60
    expect(captures).toEqual([2_500n, 1_500n])
    expect(book.captured).toBe(4_000n)
    expect(book.lines.map((line) => [line.id, line.captured])).toEqual([["T", 4], ["credit", 1]])
  })

  it("a whole-order capture (order placed) takes every line and the credit", () => {
    const plan = fulfillmentCaptureLines({ checkoutLines: lines, ledger: opened, items: [{ order_item_id: "item_t", quantity: 4 }], captureShipping: "first" })
    expect(plan).toEqual([{ id: "T", quantity: 4 }, { id: "credit", quantity: 1 }])
    expect(applyOperation(opened, { key: "all", kind: "capture", lines: plan }).operation.amount).toBe(4_000n)
  })

  it("is never refunded on its own, and an amount is matched with or without it", () => {
    const captured = applyOperation(opened, { key: "all", kind: "capture", lines: [{ id: "T", quantity: 4 }, { id: "credit", quantity: 1 }] }).ledger
    expect(linesForAmount(captured, "refund", 2_500n)).toEqual([{ id: "T", quantity: 1 }])
    expect(linesForAmount(opened, "capture", 4_000n)).toEqual([{ id: "T", quantity: 4 }, { id: "credit", quantity: 1 }])
    expect(linesForAmount(opened, "capture", 2_500n)).toEqual([{ id: "T", quantity: 1 }])
    expect(linesForAmount(opened, "capture", 1_500n)).toEqual([{ id: "T", quantity: 3 }, { id: "credit", quantity: 1 }])
    expect(() => applyOperation(opened, { key: "neg", kind: "capture", lines: [{ id: "T", quantity: 1 }, { id: "credit", quantity: 1 }] })).toThrow(/Cannot capture/)
  })
})

describe("credit lines, for any order and any split into shipments", () => {
  it("every capture is positive and within the authorization, and all of them add up to it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 4 }), unit: fc.bigInt({ min: 1n, max: 5_000n }) }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 99 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (specs, creditPercent, order) => {
          const products: CheckoutLine[] = specs.map((spec, index) => ({
            reference: `P${index}`, description: "p", kind: "product", quantity: spec.quantity, totalAmount: spec.unit * BigInt(spec.quantity), vatRate: "0", orderItemId: `item_${index}`,
          }))
          const positive = products.reduce((sum, line) => sum + line.totalAmount, 0n)
          const credit = (positive * BigInt(creditPercent)) / 100n
          fc.pre(credit > 0n && credit < positive)
          const lines: CheckoutLine[] = [...products, { reference: "credit", description: "c", kind: "discount", quantity: 1, totalAmount: -credit, vatRate: "0" }]
          let book = openInstrument({
            currency: "eur", origin: "authorized", amount: positive - credit,
            lines: lines.map((line) => ({ id: line.reference, quantity: line.quantity, unitAmount: line.totalAmount / BigInt(line.quantity), totalAmount: line.totalAmount })),
          })
          // ship one unit at a time, in an order drawn from `order`
          const units = products.flatMap((line) => Array.from({ length: line.quantity }, () => line.orderItemId!))
          const shipped = new Map<string, number>()
          let remaining = [...units]
          let step = 0
          while (remaining.length) {
            const pick = remaining.splice((order[step] ?? 0) % remaining.length, 1)[0]
            shipped.set(pick, (shipped.get(pick) ?? 0) + 1)
            const plan = fulfillmentCaptureLines({
              checkoutLines: lines, ledger: book, items: [{ order_item_id: pick, quantity: 1 }], captureShipping: "first",
              fulfilled: [...shipped].map(([order_item_id, quantity]) => ({ order_item_id, quantity })),
            })
            if (plan.length) {
              const outcome = applyOperation(book, { key: `c${step}`, kind: "capture", lines: plan })
              expect(outcome.operation.amount > 0n).toBe(true)
              book = outcome.ledger
            }
            step++
          }
          expect(book.captured).toBe(positive - credit)
        }
      ),
      { numRuns: 500 }
    )
  })
})
