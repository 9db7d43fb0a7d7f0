/**
 * Nemuru checkout end to end: real Medusa on real PostgreSQL, the store API as a storefront calls
 * it, and the Nemuru sandbox over HTTP (hosted-page decisions through its control API, its
 * notifications delivered to the plugin's /hooks/psp route with the order's Authorization value).
 * The sandbox confirms an approved order only when our answer to its `approved` notification says
 * `autoconfirm: true` (the provider's default).
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { eventually, usePspSandbox } from "./support/psp-sandbox"
import { notificationAuthorization } from "../../src/connectors/nemuru/callbacks"
import { NEMURU_TEST_SECRET, nemuruStore } from "./support/nemuru-store"

jest.setTimeout(180 * 1000)

const psp = usePspSandbox()

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    let t: Awaited<ReturnType<typeof nemuruStore>>

    beforeEach(async () => {
      t = await nemuruStore(api, getContainer(), psp)
    })

    const paymentState = (order: { metadata?: { psp_payment?: { state?: string } } } | undefined) => order?.metadata?.psp_payment?.state
    const fulfill = (order: { id: string; items: { id: string; quantity: number }[] }) =>
      t.fulfill(order.id, order.items.map((item) => ({ id: item.id, quantity: Number(item.quantity) })))
    const orderPlacedFor = (cartId: string) =>
      eventually(async () => {
        const orders = await t.ordersOfCart(cartId)
        return orders.length ? orders : undefined
      }, 20_000, `an order for cart ${cartId}`)
    type Delivery = { id: string; event: string; status?: number }
    const deliveries = async (orderId: string): Promise<Delivery[]> => (await t.control.get(`/_sandbox/callbacks?psp=nemuru&reference=${orderId}`)).data

    it("approve → order: the cart's lines at Nemuru, the order placed and confirmed by the lender (autoconfirm), authorized for exactly Nemuru's amount", async () => {
      const checkout = await t.checkoutAtNemuru()
      expect(checkout.redirectUrl).toBe(`${psp.sandbox().url}/nemuru/checkout/${checkout.pspReference}`)
      const created = await t.sandboxOrder(checkout.pspReference)
      expect(created.status).toBe("pending")
      expect(created.lines.map((line) => line.ordered.units)).toEqual([2, 1, 3, 1])
      expect(Number(created.totals.total)).toBe(checkout.total)

      await t.decide(checkout.pspReference, "approve")
      const completed = await t.shop.complete(checkout.cartId)
      expect(completed.data.type).toBe("order")

      const order = await eventually(async () => {
        const candidate = await t.orderOf(completed.data.order.id)
        return paymentState(candidate) === "processing" && candidate.payment_collections[0].payments?.length ? candidate : undefined
      }, 20_000, "the order processing once the lender confirmed")
      // the sandbox's own autoConfirm is off here: only our `autoconfirm: true` answer confirms
      expect((await t.sandboxOrder(checkout.pspReference)).status).toBe("confirmed")
      const [payment] = await t.paymentsOf(checkout.sessionId)
      expect(payment.amount).toBe(checkout.total)
      expect(payment.canceled_at).toBeFalsy()
      const { instrument } = await t.ledger.getInstrumentWithHistory(order.payment_instruments[0].id)
      expect(instrument.psp_reference).toBe(checkout.pspReference)
      expect(instrument.psp_status_history.map((entry) => entry.status)).toContain("confirmed")
      // Nemuru's item ids are bound to our lines (by SKU) once the order is read back
      const itemIds = await t.itemIds(checkout.sessionId)
      expect(Object.keys(itemIds).sort()).toEqual(["CANVAS-TOTE", "LINEN-SHIRT", "WOOL-SWEATER", "shipping"])
      expect(Object.values(itemIds).sort()).toEqual(created.lines.map((line) => line.id).sort())
      // the approved notification was answered 200 (with autoconfirm), and so was the confirmed one
      await t.callbacksIdle()
      const sent = await deliveries(checkout.pspReference)
      expect(sent.map((delivery) => delivery.event)).toEqual(expect.arrayContaining(["approved", "confirmed"]))
    })

    it("shopper never returns: the notifications alone complete the cart once; the same notification 20 times has one effect", async () => {
      const checkout = await t.checkoutAtNemuru()
      await t.decide(checkout.pspReference, "approve")

      const [{ order_id }] = await orderPlacedFor(checkout.cartId)
      await eventually(async () => (paymentState(await t.orderOf(order_id)) === "processing" ? true : undefined), 20_000, "the order processing")
      await t.callbacksIdle()
      const confirmed = (await deliveries(checkout.pspReference)).find((delivery) => delivery.event === "confirmed")
      expect(confirmed).toBeDefined()

      const redeliveries = await Promise.all(Array.from({ length: 20 }, () => t.control.post(`/_sandbox/callbacks/${confirmed!.id}/redeliver`)))
      expect(redeliveries.every((answer) => answer.status < 300)).toBe(true)
      await t.callbacksIdle()
      // the storefront comes back late: completion finds the order instead of making another
      const late = await t.shop.complete(checkout.cartId)
      expect(late.data.order?.id).toBe(order_id)

      expect(await t.ordersOfCart(checkout.cartId)).toEqual([{ order_id }])
      expect(await t.paymentsOf(checkout.sessionId)).toHaveLength(1)
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      const { callbacks, operations } = await t.ledger.getInstrumentWithHistory(instrument!.id)
      expect(callbacks.filter((callback) => callback.dedup_key === `${checkout.pspReference}:status:confirmed`)).toHaveLength(1)
      expect(callbacks.every((callback) => callback.verified)).toBe(true)
      expect(operations.filter((operation) => operation.kind === "authorize")).toHaveLength(1)
    })

    it("denied: no order and a clear error; the cart stays open", async () => {
      const checkout = await t.checkoutAtNemuru()
      await t.decide(checkout.pspReference, "decline")
      const completed = await t.shop.complete(checkout.cartId)
      expect(completed.data.type).toBe("cart")
      expect(JSON.stringify(completed.data.error)).toMatch(/Nemuru did not approve the payment \(denied\)/)
      await t.callbacksIdle()
      expect(await t.ordersOfCart(checkout.cartId)).toEqual([])
      expect(await t.paymentsOf(checkout.sessionId)).toHaveLength(0)
    })

    it("on_hold: the order is placed on hold and cannot be fulfilled; released, the lender confirms and fulfillment is allowed", async () => {
      const checkout = await t.checkoutAtNemuru()
      await t.decide(checkout.pspReference, "hold")
      const completed = await t.shop.complete(checkout.cartId)
      expect(completed.data.type).toBe("order")

      const held = await eventually(async () => {
        const order = await t.orderOf(completed.data.order.id)
        return paymentState(order) === "on_hold" ? order : undefined
      }, 15_000, "the order on hold")
      expect(held.metadata.psp_payment.psp_status).toBe("on_hold")
      const refused = await fulfill(held)
      expect(refused.status).toBe(400)
      expect(refused.message).toMatch(/on hold/)
      expect(await t.paymentsOf(checkout.sessionId)).toHaveLength(0)

      await t.sandboxControl(`/_sandbox/nemuru/orders/${checkout.pspReference}/release`)
      const released = await eventually(async () => {
        const order = await t.orderOf(held.id)
        return paymentState(order) === "processing" && order.payment_collections[0].payments?.length ? order : undefined
      }, 20_000, "the payment authorized after release and confirmation")
      expect((await t.sandboxOrder(checkout.pspReference)).status).toBe("confirmed")
      expect((await fulfill(released)).status).toBe(200)
      // the fulfillment's capture reaches Nemuru (and Medusa) before the test ends
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).captured === checkout.total ? true : undefined), 20_000, "captured in Medusa")
      expect((await t.sandboxOrder(checkout.pspReference)).totals.captured).toBe(checkout.total.toFixed(2))
    })

    it("a notification with a wrong Authorization header is refused 401 and changes nothing; a malformed one 400", async () => {
      const checkout = await t.checkoutAtNemuru()
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      const before = await t.ledger.getInstrumentWithHistory(instrument!.id)

      // the status is a lie as well: nothing may act on it
      const forged = await t.notify(checkout, { status: "confirmed" }, "Basic bm9wZTpub3Bl")
      expect(forged.status).toBe(401)
      const missing = await t.notify(checkout, { status: "confirmed" }, "")
      expect(missing.status).toBe(401)
      // another order's valid header does not open this one
      const other = await t.checkoutAtNemuru()
      const replayed = await t.notify(checkout, { status: "confirmed" }, notificationAuthorization(NEMURU_TEST_SECRET, other.sessionId))
      expect(replayed.status).toBe(401)
      const malformed = await t.notify(checkout, { order_id: 42 })
      expect(malformed.status).toBe(400)

      const after = await t.ledger.getInstrumentWithHistory(instrument!.id)
      expect(after.callbacks).toEqual(before.callbacks)
      expect(after.instrument.psp_status_history).toEqual(before.instrument.psp_status_history)
      expect(await t.ordersOfCart(checkout.cartId)).toEqual([])
      expect((await t.sandboxOrder(checkout.pspReference)).status).toBe("pending")

      // the right header is taken (200): a hint, the order is read back and is still pending
      const genuine = await t.notify(checkout, { status: "pending" })
      expect(genuine.status).toBe(200)
      expect(await t.ordersOfCart(checkout.cartId)).toEqual([])
    })
  },
})
