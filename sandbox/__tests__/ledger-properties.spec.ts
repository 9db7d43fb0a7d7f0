import fc from "fast-check"
import { newOrder, settleOperation, startOperation, totals as orderTotals, type Order } from "../src/psps/nemuru/order"
import { createOrderSchema } from "../src/psps/nemuru/schemas"
import { applyAction, newPayment, totals as paymentTotals, type ManagementAction, type Payment } from "../src/psps/resurs/payment"
import { createPaymentSchema } from "../src/psps/resurs/schemas"

const NOW = new Date("2026-01-01T00:00:00Z")
const cents = (minor: number) => Number((minor / 100).toFixed(2))

/** Money never moves twice and never past what the PSP holds, whatever the sequence of requests. */
describe("simulated PSP ledgers (properties)", () => {
  const resursLine = fc.record({ quantity: fc.integer({ min: 1, max: 5 }), amount: fc.integer({ min: 0, max: 100_000 }) })
  const resursStep = fc.record({
    action: fc.constantFrom<ManagementAction>("CAPTURE", "CANCEL", "REFUND"),
    line: fc.option(fc.record({ index: fc.nat(), quantity: fc.integer({ min: 1, max: 6 }), amount: fc.integer({ min: 0, max: 120_000 }) }), { nil: undefined }),
  })

  function acceptedPayment(lines: Array<{ quantity: number; amount: number }>): Payment {
    const request = createPaymentSchema.parse({
      storeId: "s",
      paymentMethodId: "m",
      order: {
        orderReference: "prop",
        orderLines: lines.map((line, index) => ({ description: `L${index}`, reference: `R${index}`, quantity: line.quantity, vatRate: 25, totalAmountIncludingVat: cents(line.amount) })),
      },
    })
    const payment = newPayment({ request, countryCode: "SE", paymentMethod: { id: "m", name: "Invoice" }, now: NOW })
    payment.status = "ACCEPTED"
    return payment
  }

  it("Resurs: per line, captured + canceled ≤ ordered and refunded ≤ captured; a refusal changes nothing", () => {
    fc.assert(
      fc.property(fc.array(resursLine, { minLength: 1, maxLength: 4 }), fc.array(resursStep, { maxLength: 25 }), (lines, steps) => {
        const payment = acceptedPayment(lines)
        for (const step of steps) {
          const before = JSON.stringify(payment.lines, (_key, value) => (typeof value === "bigint" ? value.toString() : value))
          const target = step.line ? payment.lines[step.line.index % payment.lines.length] : undefined
          const outcome = applyAction(
            payment,
            step.action,
            {
              orderLines: target && step.line
                ? [{ description: target.description, reference: target.reference, quantity: BigInt(step.line.quantity) * 1000n, vatRate: 25, totalAmountIncludingVat: BigInt(step.line.amount), type: "NORMAL" }]
                : undefined,
            },
            NOW
          )
          if (!("actionId" in outcome)) {
            expect(JSON.stringify(payment.lines, (_key, value) => (typeof value === "bigint" ? value.toString() : value))).toBe(before)
          }
          for (const line of payment.lines) {
            expect(line.captured.amount + line.canceled.amount).toBeLessThanOrEqual(line.ordered.amount)
            expect(line.captured.quantity + line.canceled.quantity).toBeLessThanOrEqual(line.ordered.quantity)
            expect(line.refunded.amount).toBeLessThanOrEqual(line.captured.amount)
            expect(line.refunded.quantity).toBeLessThanOrEqual(line.captured.quantity)
            // a line whose units are all used up has no money left on it either
            if (line.captured.quantity + line.canceled.quantity === line.ordered.quantity) {
              expect(line.captured.amount + line.canceled.amount).toBe(line.ordered.amount)
            }
          }
          const sums = paymentTotals(payment)
          expect(sums.authorized + sums.captured + sums.canceled).toBe(sums.total)
        }
        // "everything remaining" always settles the rest exactly
        applyAction(payment, "CAPTURE", {}, NOW)
        const sums = paymentTotals(payment)
        expect(sums.authorized).toBe(0n)
        expect(sums.captured + sums.canceled).toBe(sums.total)
      }),
      { numRuns: 300 }
    )
  })

  const nemuruItem = fc.record({ units: fc.integer({ min: 1, max: 5 }), amount: fc.integer({ min: 1, max: 100_000 }) })
  const nemuruStep = fc.oneof(
    fc.record({ kind: fc.constantFrom("capture" as const, "refund" as const), index: fc.nat(), units: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), transactional: fc.boolean() }),
    fc.record({ kind: fc.constant("settle" as const), index: fc.nat(), confirm: fc.boolean() })
  )

  function confirmedOrder(items: Array<{ units: number; amount: number }>): Order {
    const total = items.reduce((sum, item) => sum + item.amount, 0)
    const request = createOrderSchema.parse({
      product: "instalments",
      merchant: { order_reference_1: "prop" },
      cart: {
        reference: "c",
        currency: "EUR",
        total_price_with_tax: cents(total),
        items: items.map((item, index) => ({ article: { name: `A${index}`, unit_price_with_tax: cents(Math.floor(item.amount / item.units)) }, units: item.units, total_price_with_tax: cents(item.amount) })),
      },
    })
    const order = newOrder(request, NOW)
    order.status = "confirmed"
    return order
  }

  it("Nemuru: captured + pending ≤ ordered per item, refunded + pending ≤ captured, all units capture exactly the total", () => {
    fc.assert(
      fc.property(fc.array(nemuruItem, { minLength: 1, maxLength: 4 }), fc.array(nemuruStep, { maxLength: 30 }), (items, steps) => {
        const order = confirmedOrder(items)
        for (const step of steps) {
          if (step.kind === "settle") {
            const pending = order.operations.filter((operation) => operation.status === "pending")
            if (pending.length > 0) {
              settleOperation(order, pending[step.index % pending.length], step.confirm, NOW)
            }
          } else {
            const item = order.items[step.index % order.items.length]
            startOperation(order, step.kind, { items: [{ id: item.id, units: step.units }], transactional: step.transactional }, NOW)
          }
          for (const item of order.items) {
            expect(item.captured.units + item.pendingCapture.units).toBeLessThanOrEqual(item.units)
            expect(item.captured.amount + item.pendingCapture.amount).toBeLessThanOrEqual(item.total)
            expect(item.refunded.units + item.pendingRefund.units).toBeLessThanOrEqual(item.captured.units)
            expect(item.refunded.amount + item.pendingRefund.amount).toBeLessThanOrEqual(item.captured.amount)
            expect(item.pendingCapture.amount).toBeGreaterThanOrEqual(0n)
          }
        }
        for (const operation of order.operations.filter((candidate) => candidate.status === "pending")) {
          settleOperation(order, operation, true, NOW)
        }
        for (const item of order.items) {
          startOperation(order, "capture", { items: [{ id: item.id }], transactional: true }, NOW)
        }
        order.operations.filter((operation) => operation.status === "pending").forEach((operation) => settleOperation(order, operation, true, NOW))
        const sums = orderTotals(order)
        expect(sums.captured).toBe(sums.total)
      }),
      { numRuns: 300 }
    )
  })
})
