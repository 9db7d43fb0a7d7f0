/**
 * CM.com end to end (issue 13): real Medusa, real PostgreSQL, the CM.com sandbox over HTTP. The
 * shopper pays on CM's menu; CM pings the merchant's Update URL (`GET /hooks/psp/cm_cm?id=…`)
 * and the order is fetched back.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { cmStore } from "./support/cm-store"
import { eventually, usePspSandbox } from "./support/psp-sandbox"

jest.setTimeout(180 * 1000)

const psp = usePspSandbox()
const TOTE = "CANVAS-TOTE"

const cents = (value: string | number) => Math.round(Number(value) * 100)

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    let t: Awaited<ReturnType<typeof cmStore>>

    beforeEach(async () => {
      t = await cmStore(api, getContainer(), psp)
    })

    it("a card payment on the menu places the order; a fulfillment captures it exactly, a return refunds exactly", async () => {
      const { checkout, order } = await t.placedCmOrder()
      const placed = await t.cmOrder(checkout.pspReference)
      expect(placed).toMatchObject({ status: "AUTHORIZED", consideredSafe: { level: "SAFE" } })
      expect(placed.payments).toHaveLength(1)
      expect(cents(checkout.total)).toBe(Number(placed.totals.amount))
      // the order reference CM pings with is the payment session id
      expect(placed.orderReference).toBe(checkout.sessionId)

      const items = order.items.map((item: { id: string; quantity: number }) => ({ id: item.id, quantity: Number(item.quantity) }))
      expect((await t.fulfill(order.id, items)).status).toBe(200)
      const captured = await eventually(async () => {
        const current = await t.cmOrder(checkout.pspReference)
        return current.totals.captured === placed.totals.amount ? current : undefined
      }, 30_000, "the whole order captured at CM")
      expect(captured.payments[0]).toMatchObject({ method: "VISA", captured: placed.totals.amount, capturable: "0" })
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).captured === checkout.total ? true : undefined), 30_000, "captured in Medusa")

      const tote = t.itemBySku(order, TOTE)
      await t.receiveReturn(order.id, [{ id: tote.id, quantity: 1 }], undefined, "eur")
      const refunded = await eventually(async () => {
        const current = await t.cmOrder(checkout.pspReference)
        return current.totals.refunded !== "0" ? current : undefined
      }, 30_000, "the returned tote refunded at CM")
      expect(refunded.totals.refunded).toBe("1999")
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).refunded === 19.99 ? true : undefined), 30_000, "refunded in Medusa")
      await t.callbacksIdle()
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      expect(instrument!.reconcile_issue).toBeNull()
    })
    it("a gift card and a card on one order are two tenders: the gift card is adopted, a fulfillment captures the rest exactly, a return refunds exactly", async () => {
      const { checkout, order } = await t.placedCmOrder([{ decision: "approve", method: "VISA", giftCardAmount: 2_000 }])
      const placed = await t.cmOrder(checkout.pspReference)
      expect(placed.payments.map((payment) => [payment.method, payment.state, payment.captured])).toEqual([
        ["GIFTCARD", "AUTHORIZED", "2000"],
        ["VISA", "AUTHORIZED", "0"],
      ])
      const total = Number(placed.totals.amount)

      const items = order.items.map((item: { id: string; quantity: number }) => ({ id: item.id, quantity: Number(item.quantity) }))
      const fulfilled = await t.fulfill(order.id, items)
      expect(fulfilled).toMatchObject({ status: 200 })
      const captured = await eventually(async () => {
        const current = await t.cmOrder(checkout.pspReference)
        return current.totals.captured === String(total) ? current : undefined
      }, 30_000, "the whole order captured at CM")
      // the gift card was never captured again: the card took exactly the rest
      expect(captured.payments.map((payment) => payment.captured)).toEqual(["2000", String(total - 2_000)])
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).captured === total / 100 ? true : undefined), 30_000, "captured in Medusa")

      const tote = t.itemBySku(order, TOTE)
      await t.receiveReturn(order.id, [{ id: tote.id, quantity: 1 }], undefined, "eur")
      const refunded = await eventually(async () => {
        const current = await t.cmOrder(checkout.pspReference)
        return current.totals.refunded !== "0" ? current : undefined
      }, 30_000, "the returned tote refunded at CM")
      // refunds go in reverse: the card first
      expect(refunded.payments.map((payment) => payment.refunded)).toEqual(["0", "1999"])
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).refunded === 19.99 ? true : undefined), 30_000, "refunded in Medusa")
      await t.callbacksIdle()
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      expect(instrument!.reconcile_issue).toBeNull()
    })

    it("a return worth more than the card paid is refunded across the tenders: the card first, then the gift card, each part once", async () => {
      // the card pays 20.00, the gift card the rest
      const { checkout, order } = await t.placedCmOrder((total) => [{ decision: "approve", method: "VISA", giftCardAmount: total - 2_000 }])
      const total = Number((await t.cmOrder(checkout.pspReference)).totals.amount)
      const items = order.items.map((item: { id: string; quantity: number }) => ({ id: item.id, quantity: Number(item.quantity) }))
      expect((await t.fulfill(order.id, items)).status).toBe(200)
      await eventually(async () => ((await t.cmOrder(checkout.pspReference)).totals.captured === String(total) ? true : undefined), 30_000, "the whole order captured at CM")
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).captured * 100 === total ? true : undefined), 30_000, "captured in Medusa")

      const sweater = t.itemBySku(order, "WOOL-SWEATER")
      const sweaterCents = 8_950 // the seed's Wool Sweater, 89.50 EUR
      // every CM ping twice over, racing the parts
      await t.control.post("/_sandbox/callback-faults", { psp: "cm", effect: "duplicate", copies: 2 })
      await t.receiveReturn(order.id, [{ id: sweater.id, quantity: 1 }], undefined, "eur")
      const refunded = await eventually(async () => {
        const current = await t.cmOrder(checkout.pspReference)
        return current.totals.refunded === String(sweaterCents) ? current : undefined
      }, 30_000, "the sweater refunded at CM")
      expect(refunded.payments.map((payment) => [payment.method, payment.refunded])).toEqual([
        ["GIFTCARD", String(sweaterCents - 2_000)],
        ["VISA", "2000"],
      ])
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).refunded * 100 === sweaterCents ? true : undefined), 30_000, "refunded in Medusa")
      await t.callbacksIdle()

      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      const { operations } = await t.ledger.getInstrumentLedger(instrument!.id)
      const refunds = operations.filter((operation) => operation.kind === "refund")
      // one operation per tender, under one request, each keyed on its own
      expect(refunds.map((operation) => [operation.status, operation.amount, operation.lines.length > 0])).toEqual([
        ["succeeded", "2000", true],
        ["succeeded", String(sweaterCents - 2_000), false],
      ])
      expect(new Set(refunds.map((operation) => operation.origin)).size).toBe(1)
      expect((await t.cmOrder(checkout.pspReference)).totals.refunded).toBe(String(sweaterCents))
      expect(instrument!.reconcile_issue).toBeNull()
    })
  },
})
