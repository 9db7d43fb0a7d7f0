/**
 * Resurs Bank checkout end to end: real Medusa on real PostgreSQL, the store API as a storefront
 * calls it, and the PSP sandbox over HTTP (hosted-page decisions through its control API, its
 * callbacks delivered to the plugin's /hooks/psp route).
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { eventually, usePspSandbox } from "./support/psp-sandbox"
import { resursStore } from "./support/resurs-store"

jest.setTimeout(180 * 1000)

const psp = usePspSandbox()
const CALLBACK_PATH = "/hooks/psp/resurs_resurs"

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    let t: Awaited<ReturnType<typeof resursStore>>

    beforeEach(async () => {
      t = await resursStore(api, getContainer(), psp)
    })

    const control = () => t.control
    const decide = (pspReference: string, decision: string) => t.decide(pspReference, decision)
    const sandboxPayment = (pspReference: string) => t.sandboxPayment(pspReference)
    const callbacksIdle = () => t.callbacksIdle()
    const ordersOfCart = (cartId: string) => t.ordersOfCart(cartId)
    const orderOf = (orderId: string) => t.orderOf(orderId)
    const paymentsOf = (sessionId: string) => t.paymentsOf(sessionId)
    const ledger = () => t.ledger
    const paymentState = (order: { metadata?: { psp_payment?: { state?: string } } } | undefined) => order?.metadata?.psp_payment?.state
    const fulfill = (order: { id: string; items: { id: string; quantity: number }[] }) =>
      t.fulfill(order.id, order.items.map((item) => ({ id: item.id, quantity: Number(item.quantity) })))
    const checkoutAtResurs = () => t.checkoutAtResurs()
    const orderPlacedFor = (cartId: string) =>
      eventually(async () => {
        const orders = await ordersOfCart(cartId)
        return orders.length ? orders : undefined
      }, 20_000, `an order for cart ${cartId}`)

    it("happy path: 3 lines → hosted page approve → cart complete → order authorized for exactly the PSP's amount", async () => {
      const checkout = await checkoutAtResurs()
      expect(checkout.redirectUrl).toBe(`${psp.sandbox().url}/resurs/hosted/payments/${checkout.pspReference}`)

      const created = await sandboxPayment(checkout.pspReference)
      expect(created.status).toBe("TASK_REDIRECTION_REQUIRED")
      // the lines Resurs sees are the cart's, computed on the server: 3 products and shipping
      expect(created.lines.map((line) => [line.reference, line.ordered.quantity])).toEqual([
        ["CANVAS-TOTE", "2.000"],
        ["LINEN-SHIRT", "1.000"],
        ["WOOL-SWEATER", "3.000"],
        ["shipping", "1.000"],
      ])
      expect(Number(created.totals.total)).toBe(checkout.total)

      await decide(checkout.pspReference, "approve")
      const completed = await t.shop.complete(checkout.cartId)
      expect(completed.data.type).toBe("order")

      const atPsp = await sandboxPayment(checkout.pspReference)
      expect(atPsp.status).toBe("ACCEPTED")
      const [payment] = await paymentsOf(checkout.sessionId)
      expect(payment.amount).toBe(Number(atPsp.totals.authorized))
      expect(payment.canceled_at).toBeFalsy()

      const order = await eventually(async () => {
        const candidate = await orderOf(completed.data.order.id)
        return paymentState(candidate) === "processing" && candidate.payment_instruments?.length ? candidate : undefined
      }, 15_000, "the order marked processing and linked to its instrument")
      const { instrument } = await ledger().getInstrumentWithHistory(order.payment_instruments[0].id)
      expect(instrument.psp_reference).toBe(checkout.pspReference)
      expect(instrument.payment_id).toBe(payment.id)
      expect(instrument.psp_status_history.map((entry) => entry.status)).toEqual(["TASK_REDIRECTION_REQUIRED", "ACCEPTED"])
    })

    it("shopper never returns: the authorization callback alone creates exactly one order, and 5 redeliveries change nothing", async () => {
      const checkout = await checkoutAtResurs()
      await decide(checkout.pspReference, "approve")

      const [{ order_id }] = await orderPlacedFor(checkout.cartId)
      await callbacksIdle()
      const { data: sent } = await control().get(`/_sandbox/callbacks?psp=resurs&reference=${checkout.pspReference}`)
      const authorization = (sent as { id: string; event: string }[]).find((delivery) => delivery.event === "AUTHORIZATION:AUTHORIZED")
      expect(authorization).toBeDefined()

      for (let i = 0; i < 5; i++) {
        expect((await control().post(`/_sandbox/callbacks/${authorization!.id}/redeliver`)).status).toBeLessThan(300)
      }
      await callbacksIdle()
      // the storefront comes back late: completion finds the order instead of making another
      const late = await t.shop.complete(checkout.cartId)
      expect(late.data.order?.id).toBe(order_id)

      expect(await ordersOfCart(checkout.cartId)).toEqual([{ order_id }])
      expect(await paymentsOf(checkout.sessionId)).toHaveLength(1)
      const instrument = await ledger().findInstrumentBySession(checkout.sessionId)
      const { callbacks } = await ledger().getInstrumentWithHistory(instrument!.id)
      expect(callbacks.filter((callback) => callback.dedup_key === `authorization:${checkout.pspReference}:AUTHORIZED`)).toHaveLength(1)
    })

    it("FROZEN: the order is placed on hold and cannot be fulfilled; released by Resurs, the payment is authorized and fulfillment allowed", async () => {
      const checkout = await checkoutAtResurs()
      await decide(checkout.pspReference, "hold")
      const completed = await t.shop.complete(checkout.cartId)
      expect(completed.data.type).toBe("order")
      expect(await paymentsOf(checkout.sessionId)).toHaveLength(0)

      const held = await eventually(async () => {
        const order = await orderOf(completed.data.order.id)
        return paymentState(order) === "on_hold" ? order : undefined
      }, 15_000, "the order on hold")
      expect(held.metadata.psp_payment.psp_status).toBe("FROZEN")

      const refused = await fulfill(held)
      expect(refused.status).toBe(400)
      expect(refused.message).toMatch(/on hold.*FROZEN/)
      const ledgerView = await t.admin.get(`/admin/orders/${held.id}/payment-instruments`)
      expect(ledgerView.data.payment_instruments).toMatchObject([{ payment_id: null, psp_status: "FROZEN", amounts: { authorized: "0.00" } }])
      expect((await orderOf(held.id)).status).toBe("pending")

      expect((await control().post(`/_sandbox/resurs/payments/${checkout.pspReference}/release`)).status).toBe(200)
      const released = await eventually(async () => {
        const order = await orderOf(held.id)
        return paymentState(order) === "processing" && order.payment_collections[0].payments?.length ? order : undefined
      }, 20_000, "the payment authorized after release")
      const [payment] = await paymentsOf(checkout.sessionId)
      expect(payment.amount).toBe(Number((await sandboxPayment(checkout.pspReference)).totals.authorized))

      const fulfilled = await fulfill(released)
      expect(fulfilled.status).toBe(200)
    })

    it("FROZEN then REJECTED: the held order and its payment are canceled", async () => {
      const checkout = await checkoutAtResurs()
      await decide(checkout.pspReference, "hold")
      const completed = await t.shop.complete(checkout.cartId)
      await eventually(async () => (paymentState(await orderOf(completed.data.order.id)) === "on_hold" ? true : undefined))

      expect((await control().post(`/_sandbox/resurs/payments/${checkout.pspReference}/reject`)).status).toBe(200)
      const canceled = await eventually(async () => {
        const order = await orderOf(completed.data.order.id)
        return order.status === "canceled" && paymentState(order) === "failed" ? order : undefined
      }, 20_000, "the order canceled")
      expect(canceled.payment_collections[0].status).toBe("canceled")
      expect(await paymentsOf(checkout.sessionId)).toHaveLength(0)
    })

    it("REJECTED at checkout: no order and a clear error; a new session then succeeds", async () => {
      const checkout = await checkoutAtResurs()
      await decide(checkout.pspReference, "decline")
      const refused = await t.shop.complete(checkout.cartId)
      expect(refused.status).toBe(200)
      expect(refused.data.type).toBe("cart")
      expect(refused.data.error.message).toMatch(/Resurs Bank did not approve the payment \(REJECTED:CREDIT_DENIED\)/)
      await callbacksIdle()
      expect(await ordersOfCart(checkout.cartId)).toEqual([])

      const retry = await t.shop.pay(checkout.cartId)
      expect(retry.pspReference).not.toBe(checkout.pspReference)
      await decide(retry.pspReference, "approve")
      const completed = await t.shop.complete(checkout.cartId)
      expect(completed.data.type).toBe("order")
      expect(await ordersOfCart(checkout.cartId)).toHaveLength(1)
    })

    it("callbacks out of order (management first, stale and duplicate authorizations interleaved) converge on one authorized order", async () => {
      // the sandbox's own callbacks are dropped; this test delivers them in its own order
      await control().post("/_sandbox/callback-faults", { psp: "resurs", effect: "drop" })
      const checkout = await checkoutAtResurs()
      await decide(checkout.pspReference, "approve")

      const post = (body: Record<string, string>) => api.post(CALLBACK_PATH, { paymentId: checkout.pspReference, ...body }, { validateStatus: () => true })
      const answers = await Promise.all([
        post({ action: "CANCEL", actionId: "mgmt-1" }),
        post({ status: "FROZEN" }),
        post({ status: "AUTHORIZED" }),
        post({ status: "AUTHORIZED" }),
        post({ action: "CANCEL", actionId: "mgmt-1" }),
        post({ status: "FROZEN" }),
      ])
      expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202, 202])

      const [{ order_id }] = await orderPlacedFor(checkout.cartId)
      const order = await eventually(async () => {
        const candidate = await orderOf(order_id)
        return paymentState(candidate) === "processing" ? candidate : undefined
      }, 20_000, "the order processing")
      expect(order.status).toBe("pending")
      expect(await ordersOfCart(checkout.cartId)).toHaveLength(1)
      expect(await paymentsOf(checkout.sessionId)).toHaveLength(1)
      const instrument = await ledger().findInstrumentBySession(checkout.sessionId)
      const { callbacks } = await ledger().getInstrumentWithHistory(instrument!.id)
      expect(callbacks.map((callback) => callback.dedup_key).sort()).toEqual([
        `authorization:${checkout.pspReference}:AUTHORIZED`,
        `authorization:${checkout.pspReference}:FROZEN`,
        "management:mgmt-1",
      ])
    })

    it("the cart changes while the shopper is on the Resurs page: approving the replaced payment releases it at Resurs", async () => {
      const first = await checkoutAtResurs()
      const { data: products } = await t.shop.call("get", `/store/products?region_id=${t.store.regions.sek}&fields=*variants`)
      const added = await t.shop.call("post", `/store/carts/${first.cartId}/line-items`, { variant_id: products.products[0].variants[0].id, quantity: 1 })
      expect(added.status).toBe(200)
      const instrument = await ledger().findInstrumentBySession(first.sessionId)
      expect(await paymentsOf(first.sessionId)).toEqual([])

      await decide(first.pspReference, "approve")
      const released = await eventually(async () => {
        const payment = await sandboxPayment(first.pspReference)
        return Number(payment.totals.canceled) > 0 ? payment : undefined
      }, 20_000, "the replaced payment released")
      expect(released.totals).toMatchObject({ authorized: "0.00", captured: "0.00" })
      expect(released.totals.canceled).toBe(released.totals.total)
      // the sandbox shows the cancel as soon as it applied it; the ledger settles it right after the answer
      const operations = await eventually(async () => {
        const { operations: current } = await ledger().getInstrumentWithHistory(instrument!.id)
        return current.every((operation) => operation.status === "succeeded") ? current : undefined
      }, 20_000, "the release settled in the ledger")
      expect(operations.map((operation) => [operation.kind, operation.status])).toEqual([["cancel", "succeeded"]])
      expect(await ordersOfCart(first.cartId)).toEqual([])

      const second = await t.shop.pay(first.cartId)
      await decide(second.pspReference, "approve")
      const completed = await t.shop.complete(first.cartId)
      expect(completed.data.type).toBe("order")
      expect(Number((await sandboxPayment(second.pspReference)).totals.authorized)).toBe(second.total)
    })

    it("a callback for an unknown payment gets 404 and a malformed one 400/415; neither changes anything", async () => {
      const checkout = await checkoutAtResurs()
      const instrument = await ledger().findInstrumentBySession(checkout.sessionId)
      const before = await ledger().getInstrumentWithHistory(instrument!.id)

      const send = (body: string, contentType = "application/json") =>
        api.post(CALLBACK_PATH, body, { headers: { "content-type": contentType }, validateStatus: () => true, transformRequest: (data: string) => data })
      expect((await send(JSON.stringify({ paymentId: "00000000-0000-0000-0000-000000000000", status: "AUTHORIZED" }))).status).toBe(404)
      expect((await send(JSON.stringify({ paymentId: checkout.pspReference, status: "PAID" }))).status).toBe(400)
      expect((await send(`{"paymentId": "${checkout.pspReference}"`)).status).toBe(400)
      expect((await send(`paymentId=${checkout.pspReference}&status=AUTHORIZED`, "text/plain")).status).toBe(415)
      expect((await api.post("/hooks/psp/nosuchpsp_x", {}, { validateStatus: () => true })).status).toBe(404)

      const after = await ledger().getInstrumentWithHistory(instrument!.id)
      expect(after.callbacks).toEqual(before.callbacks)
      expect(after.instrument.psp_status_history).toEqual(before.instrument.psp_status_history)
      expect(await ordersOfCart(checkout.cartId)).toEqual([])
      expect((await sandboxPayment(checkout.pspReference)).status).toBe("TASK_REDIRECTION_REQUIRED")
    })
  },
})
