/**
 * Digital River end to end: Drop-in checkout, fulfillments that capture and cancel by quantity,
 * late capture failures, lost answers, returns, and signed events. Real Medusa, real PostgreSQL,
 * the sandbox over HTTP. Digital River settles each capture 2 s after the fulfillment here, so
 * that "accepted, not yet captured" can be seen. Medusa is configured in the middle of a signing
 * secret rotation: the sandbox signs every event with the previous secret, which must be accepted.
 */
import { createHmac } from "node:crypto"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { reconcileCanceledOrderWorkflow, reconcilePaymentsWorkflow } from "../../src/workflows/reconcile-payments"
import { digitalRiverStore } from "./support/digitalriver-store"
import { eventually, usePspSandbox } from "./support/psp-sandbox"

jest.setTimeout(180 * 1000)

const PREVIOUS_SECRET = "sandbox-digitalriver-signing-secret"
const NEW_SECRET = "rotated-new-digitalriver-secret"

const psp = usePspSandbox({
  env: { DIGITALRIVER_SIGNING_SECRETS: `${NEW_SECRET},${PREVIOUS_SECRET}` },
  sandbox: { digitalriver: { settleDelayMs: 2_000 } },
})

const TOTE = "CANVAS-TOTE"
const SHIRT = "LINEN-SHIRT"
const SWEATER = "WOOL-SWEATER"

function signed(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp}, v0=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("base64")}`
}

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    let t: Awaited<ReturnType<typeof digitalRiverStore>>

    beforeEach(async () => {
      t = await digitalRiverStore(api, getContainer(), psp)
    })

    const instrumentOf = async (sessionId: string) => (await t.ledger.findInstrumentBySession(sessionId))!
    const operationsOf = async (sessionId: string) => (await t.ledger.getInstrumentWithHistory((await instrumentOf(sessionId)).id)).operations
    const reconcile = async () => (await reconcilePaymentsWorkflow(getContainer()).run({ input: { olderThanSeconds: 0 } })).result
    const medusaCaptured = async (sessionId: string) => (await t.medusaTotals(sessionId)).captured

    it("checkout: the shopper pays on the Drop-in page, the order is accepted, Medusa's payment authorized; the instrument takes Digital River's order id", async () => {
      const { checkout, drOrderId, order } = await t.placedDrOrder()
      const dr = await t.drOrder(drOrderId)
      expect(dr).toMatchObject({ state: "accepted", upstreamId: checkout.sessionId })
      const [payment] = await t.paymentsOf(checkout.sessionId)
      expect(Number(payment.amount)).toBe(Number(dr.totals.total))
      expect(order.metadata.psp_payment.psp_status).toMatch(/^accepted/)
      expect((await instrumentOf(checkout.sessionId)).psp_reference).toBe(drOrderId)
      // every line is a Digital River item carrying our reference
      expect(Object.keys(await t.drItemIds(drOrderId)).sort()).toEqual([TOTE, SHIRT, SWEATER, "shipping"].sort())
    })

    it("an abandoned Drop-in checkout places no order: completing the cart says the payment is not finished", async () => {
      const checkout = await t.checkoutAtDigitalRiver()
      expect(await t.decideDr(checkout, "abandon")).toBeNull()
      const completed = await t.shop.complete(checkout.cartId)
      expect(completed.status).toBeLessThan(500)
      expect(completed.data.type).toBe("cart")
      expect(JSON.stringify(completed.data.error)).toMatch(/not finished the Drop-in checkout/)
      expect(await t.paymentsOf(checkout.sessionId)).toHaveLength(0)
    })

    it("in_review: the order waits on hold until order.accepted, then the payment is authorized", async () => {
      const checkout = await t.checkoutAtDigitalRiver()
      const drOrderId = (await t.decideDr(checkout, "hold"))!
      const completed = await t.shop.complete(checkout.cartId)
      expect(completed.data.type).toBe("order")
      const held = await eventually(async () => {
        const order = await t.orderOf(completed.data.order.id)
        return order?.metadata?.psp_payment?.state === "on_hold" ? order : undefined
      }, 20_000, "the order on hold")
      expect(held.metadata.psp_payment.psp_status).toMatch(/^in_review/)
      expect(await t.paymentsOf(checkout.sessionId)).toHaveLength(0)

      expect((await t.control.post(`/_sandbox/digitalriver/orders/${drOrderId}/release`)).status).toBe(200)
      await eventually(async () => {
        const order = await t.orderOf(held.id)
        return order?.metadata?.psp_payment?.state === "processing" && order.payment_collections[0].payments?.length ? order : undefined
      }, 20_000, "authorized after order.accepted")
    })

    it("fulfilling 2 of 3 lines posts exactly those quantities; Medusa records the capture only after capture.complete", async () => {
      const { checkout, drOrderId, order } = await t.placedDrOrder()
      const tote = t.itemBySku(order, TOTE)
      const shirt = t.itemBySku(order, SHIRT)
      expect((await t.fulfill(order.id, [tote, shirt])).status).toBe(200)

      // the capture follows the fulfillment (a subscriber): wait for Digital River to have it
      const [fulfillment] = await eventually(async () => {
        const found = await t.drFulfillments(drOrderId)
        return found.length ? found : undefined
      }, 20_000, "the fulfillment at Digital River")
      const ids = await t.drItemIds(drOrderId)
      expect(fulfillment.items.map(({ itemId, quantity, cancelQuantity }) => ({ itemId, quantity, cancelQuantity }))).toEqual(
        expect.arrayContaining([
          { itemId: ids[TOTE], quantity: 2, cancelQuantity: 0 },
          { itemId: ids[SHIRT], quantity: 1, cancelQuantity: 0 },
        ])
      )
      expect(fulfillment.items.map((item) => item.itemId)).not.toContain(ids[SWEATER])
      expect(String(fulfillment.metadata?.medusaOperationKey)).toMatch(/^capture:fulfillment:/)
      // accepted by Digital River, not captured yet: nothing in Medusa
      await eventually(async () => ((await operationsOf(checkout.sessionId)).find((operation) => operation.kind === "capture")?.status === "accepted" ? true : undefined), 10_000, "the capture accepted")
      expect((await t.drOrder(drOrderId)).totals.capturePending).not.toBe("0.00")
      expect(await medusaCaptured(checkout.sessionId)).toBe(0)
      const settled = await eventually(async () => {
        const candidate = await t.drOrder(drOrderId)
        return candidate.totals.capturePending === "0.00" && candidate.totals.captured !== "0.00" ? candidate : undefined
      }, 20_000, "captured at Digital River")
      await eventually(async () => ((await medusaCaptured(checkout.sessionId)) === Number(settled.totals.captured) ? true : undefined), 20_000, "the capture recorded in Medusa")
      expect((await operationsOf(checkout.sessionId)).filter((operation) => operation.kind === "capture").map((operation) => operation.status)).toEqual(["succeeded"])
    })

    it("a capture Digital River fails after accepting it lapses: nothing captured in Medusa, the payment flagged with the reason and what to do", async () => {
      const { checkout, drOrderId, order } = await t.placedDrOrder()
      expect((await t.control.post("/_sandbox/digitalriver/capture-failures", { times: 1 })).status).toBe(200)
      expect((await t.fulfill(order.id, [t.itemBySku(order, TOTE)])).status).toBe(200)
      await eventually(async () => ((await t.drOrder(drOrderId)).totals.captureFailed !== "0.00" ? true : undefined), 20_000, "the capture failed at Digital River")
      const lapsed = await eventually(async () => {
        const capture = (await operationsOf(checkout.sessionId)).find((operation) => operation.kind === "capture")
        return capture?.status === "lapsed" ? capture : undefined
      }, 20_000, "the capture lapsed")
      expect(lapsed.error?.message).toMatch(/failed-request/)
      const instrument = await instrumentOf(checkout.sessionId)
      expect(instrument.reconcile_issue).toMatch(/failed-request.*(cancel the shipment|contact the shopper)/i)
      expect(await medusaCaptured(checkout.sessionId)).toBe(0)
    })

    it("canceling the order after one shipment cancels exactly the unshipped line (cancelQuantity), once, and refunds what was captured", async () => {
      const { checkout, drOrderId, order } = await t.placedDrOrder()
      const fulfilled = await t.fulfill(order.id, [t.itemBySku(order, TOTE), t.itemBySku(order, SHIRT)])
      expect(fulfilled.status).toBe(200)
      const captured = await eventually(async () => {
        const candidate = await t.drOrder(drOrderId)
        return candidate.totals.capturePending === "0.00" && candidate.totals.captured !== "0.00" ? candidate : undefined
      }, 20_000, "captured at Digital River")
      await eventually(async () => ((await medusaCaptured(checkout.sessionId)) === Number(captured.totals.captured) ? true : undefined), 20_000, "captured in Medusa")

      expect((await t.admin.post(`/admin/orders/${order.id}/fulfillments/${fulfilled.fulfillmentId}/cancel`, {})).status).toBe(200)
      expect((await t.admin.post(`/admin/orders/${order.id}/cancel`, {})).status).toBe(200)
      const ids = await t.drItemIds(drOrderId)
      const cancels = await eventually(async () => {
        // the canceled-order subscriber does it; under load (shared database) the reconcile path may have to
        await reconcileCanceledOrderWorkflow(getContainer()).run({ input: { order_id: order.id } }).catch(() => undefined)
        const found = (await t.drFulfillments(drOrderId)).filter((fulfillment) => fulfillment.items.some((item) => item.cancelQuantity > 0))
        return found.length ? found : undefined
      }, 20_000, "a cancel fulfillment at Digital River")
      expect(cancels).toHaveLength(1)
      expect(cancels[0].items).toEqual([expect.objectContaining({ itemId: ids[SWEATER], cancelQuantity: 3, quantity: 0 })])
      await eventually(async () => {
        const candidate = await t.drOrder(drOrderId)
        return candidate.totals.cancelled !== "0.00" && candidate.totals.refunded === candidate.totals.captured ? true : undefined
      }, 30_000, "the rest cancelled and the captured part refunded")
      await reconcile()
      expect((await t.drFulfillments(drOrderId)).filter((fulfillment) => fulfillment.items.some((item) => item.cancelQuantity > 0))).toHaveLength(1)
      // the refund Medusa core asked for while canceling is recorded once Digital River confirms it
      await eventually(async () => {
        await reconcile()
        return (await t.medusaTotals(checkout.sessionId)).refunded === Number(captured.totals.captured) ? true : undefined
      }, 30_000, "the refund recorded in Medusa")
    })

    it("a fulfillment whose answer was lost is found by our key in its metadata: never posted twice", async () => {
      const { checkout, drOrderId, order } = await t.placedDrOrder()
      await t.control.post("/_sandbox/faults", { psp: "digitalriver", endpoint: "create-fulfillment", effect: "drop-response", times: 1 })
      const items = [t.itemBySku(order, TOTE), t.itemBySku(order, SHIRT), t.itemBySku(order, SWEATER)]
      await t.fulfill(order.id, items)
      const total = Number((await t.drOrder(drOrderId)).totals.total)
      await eventually(async () => {
        await reconcile()
        return (await medusaCaptured(checkout.sessionId)) === total ? true : undefined
      }, 40_000, "the whole order captured in Medusa")
      expect(await t.drFulfillments(drOrderId)).toHaveLength(1)
      expect((await t.drOrder(drOrderId)).totals.captured).toBe(total.toFixed(2))
    })

    it("a 409 order_fulfilled (everything already shipped by a fulfillment we did not send) is settled by reading the order: no second fulfillment, Digital River's capture recorded once", async () => {
      const { checkout, drOrderId, order } = await t.placedDrOrder()
      // the warehouse system reported the whole shipment to Digital River itself
      const ids = await t.drItemIds(drOrderId)
      const direct = await t.control.post(
        "/digitalriver/fulfillments",
        { orderId: drOrderId, items: Object.values(ids).map((itemId) => ({ itemId, quantity: itemId === ids[TOTE] ? 2 : itemId === ids[SWEATER] ? 3 : 1 })) },
        { headers: { authorization: "Bearer sk_test_sandbox_digitalriver" } }
      )
      expect(direct.status).toBe(201)
      const total = Number((await t.drOrder(drOrderId)).totals.total)
      const fulfilled = await t.fulfill(order.id, [t.itemBySku(order, TOTE), t.itemBySku(order, SHIRT), t.itemBySku(order, SWEATER)])
      await eventually(async () => {
        await reconcile()
        return (await medusaCaptured(checkout.sessionId)) === total ? true : undefined
      }, 40_000, "Digital River's capture recorded in Medusa")
      expect(await t.drFulfillments(drOrderId)).toHaveLength(1)
      const conflicts = (await t.control.get("/_sandbox/requests?psp=digitalriver&endpoint=create-fulfillment")).data.filter((request: { status: number }) => request.status === 409)
      expect(conflicts.length).toBeLessThanOrEqual(1)
      await reconcile()
      expect(await medusaCaptured(checkout.sessionId)).toBe(total)
      expect(fulfilled.status).toBeLessThan(500)
    })

    it("receiving a return of one line refunds exactly that item at Digital River", async () => {
      const { checkout, drOrderId, order } = await t.placedDrOrder()
      const items = [t.itemBySku(order, TOTE), t.itemBySku(order, SHIRT), t.itemBySku(order, SWEATER)]
      expect((await t.fulfill(order.id, items)).status).toBe(200)
      const total = await eventually(async () => {
        const candidate = await t.drOrder(drOrderId)
        return candidate.totals.capturePending === "0.00" && candidate.totals.captured === candidate.totals.total ? candidate : undefined
      }, 20_000, "all captured at Digital River")
      await eventually(async () => ((await medusaCaptured(checkout.sessionId)) === Number(total.totals.total) ? true : undefined), 20_000, "captured in Medusa")

      await t.receiveEurReturn(order.id, [{ id: t.itemBySku(order, SHIRT).id, quantity: 1 }])
      const ids = await t.drItemIds(drOrderId)
      const refunded = await eventually(async () => {
        const candidate = await t.drOrder(drOrderId)
        return candidate.totals.refunded !== "0.00" ? candidate : undefined
      }, 20_000, "refunded at Digital River")
      const shirtLine = refunded.lines.find((line) => line.itemId === ids[SHIRT])!
      expect(refunded.totals.refunded).toBe(shirtLine.amount)
      expect(refunded.lines.filter((line) => line.refunded !== "0.00" && line.refunded !== undefined).map((line) => line.itemId)).toEqual([ids[SHIRT]])
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).refunded === Number(shirtLine.amount) ? true : undefined), 20_000, "the refund recorded in Medusa")
    })

    it("forged, tampered or stale events are refused and change nothing; unknown types and orders are acknowledged and stored nowhere; the new secret is accepted too", async () => {
      const { checkout, drOrderId } = await t.placedDrOrder()
      const instrument = await instrumentOf(checkout.sessionId)
      const before = (await t.ledger.getInstrumentWithHistory(instrument.id)).callbacks.length
      const hook = "/hooks/psp/digitalriver_digitalriver"
      const post = (body: string, signature?: string) =>
        api.post(hook, body, { headers: { "content-type": "application/json", ...(signature ? { "digitalriver-signature": signature } : {}) }, validateStatus: () => true })
      const event = (type: string, orderId: string, id = `evt_${Math.random().toString(36).slice(2)}`) =>
        JSON.stringify({ id, type, data: { object: { id: "chg_x", orderId, state: "failed" } }, liveMode: false, createdTime: new Date().toISOString() })

      const body = event("order.charge.capture.failed", drOrderId)
      expect((await post(body)).status).toBe(401)
      expect((await post(body, signed("not-our-secret", body))).status).toBe(401)
      expect((await post(body.replace("failed", "complete"), signed(PREVIOUS_SECRET, body))).status).toBe(401)
      expect((await post(body, signed(PREVIOUS_SECRET, body, Math.floor(Date.now() / 1000) - 3600))).status).toBe(400)
      const unknownType = event("customer.created", drOrderId)
      expect((await post(unknownType, signed(NEW_SECRET, unknownType))).status).toBe(202)
      const unknownOrder = event("order.charge.capture.complete", "999999999999")
      expect((await post(unknownOrder, signed(NEW_SECRET, unknownOrder))).status).toBe(202)
      expect((await t.ledger.getInstrumentWithHistory(instrument.id)).callbacks.length).toBe(before)
      expect((await t.drOrder(drOrderId)).state).toBe("accepted")
      expect((await operationsOf(checkout.sessionId)).filter((operation) => operation.kind !== "authorize")).toHaveLength(0)

      // signed with the new secret: taken (a real event type about this order)
      const genuine = event("order.charge.capture.complete", drOrderId, "evt_new_secret")
      expect((await post(genuine, signed(NEW_SECRET, genuine))).status).toBe(202)
      // and every event the sandbox sent, signed with the previous secret, was taken as verified
      const { callbacks } = await t.ledger.getInstrumentWithHistory(instrument.id)
      expect(callbacks.length).toBe(before + 1)
      expect(callbacks.every((callback) => callback.verified)).toBe(true)
      expect(before).toBeGreaterThan(0)
    })
  },
})
