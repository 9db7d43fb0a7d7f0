/**
 * CM.com lifecycle (issue 13): the ship gate (`considered_safe`), failed attempts next to an
 * authorized payment, pings (bare GETs of the Update URL) coalesced into one fetch, a shopper who
 * never returns, and a cancel that CM cannot make (the rest expires).
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { reconcilePaymentsWorkflow } from "../../src/workflows/reconcile-payments"
import { CM_CALLBACK_PATH, cmStore } from "./support/cm-store"
import { eventually, usePspSandbox } from "./support/psp-sandbox"

jest.setTimeout(180 * 1000)

const psp = usePspSandbox()

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    let t: Awaited<ReturnType<typeof cmStore>>

    beforeEach(async () => {
      t = await cmStore(api, getContainer(), psp)
    })

    const reconcile = async () => (await reconcilePaymentsWorkflow(getContainer()).run({ input: { olderThanSeconds: 0 } })).result
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const allItems = (order: any) => order.items.map((item: { id: string; quantity: number }) => ({ id: item.id, quantity: Number(item.quantity) }))
    const getOrderReads = async () => ((await t.control.get("/_sandbox/requests?psp=cm&endpoint=get-order")).data as unknown[]).length

    it("authorized but not yet considered safe: the order is on hold and fulfillment refused; once SAFE it is released", async () => {
      const { checkout, order } = await t.placedCmOrder([{ decision: "hold", method: "VISA" }], "on_hold")
      expect(await t.cmOrder(checkout.pspReference)).toMatchObject({ status: "AUTHORIZED", consideredSafe: null })
      expect(order.metadata.psp_payment.psp_status).toMatch(/safe:NO/)

      const refused = await t.fulfill(order.id, allItems(order))
      expect(refused.status).toBe(400)
      expect(refused.message).toMatch(/on hold/)
      expect((await t.cmOrder(checkout.pspReference)).totals.captured).toBe("0")

      // CM's risk check releases it and pings the Update URL
      await t.cmControl(checkout.pspReference, "release")
      const released = await eventually(async () => {
        const current = await t.orderOf(order.id)
        return current.metadata?.psp_payment?.state === "processing" ? current : undefined
      }, 30_000, "the order released")
      expect((await t.fulfill(released.id, allItems(released))).status).toBe(200)
      await eventually(async () => {
        const current = await t.cmOrder(checkout.pspReference)
        return current.totals.captured === current.totals.amount ? true : undefined
      }, 30_000, "captured once released")
    })

    it("part paid (a gift card, then the card declined): the order is on hold; the shopper pays the rest and it is released", async () => {
      const checkout = await t.checkoutAtCm()
      await t.control.post("/_sandbox/cm/next-authorization", { outcome: "declined", times: 1 })
      await t.decideCm(checkout.pspReference, { decision: "approve", method: "VISA", giftCardAmount: 2_000 })
      const partly = await t.cmOrder(checkout.pspReference)
      expect(partly.payments.map((payment) => [payment.method, payment.state])).toEqual([
        ["GIFTCARD", "AUTHORIZED"],
        ["VISA", "CANCELED"],
      ])
      const completed = await t.shop.complete(checkout.cartId)
      expect(completed.data.type).toBe("order")
      const held = await eventually(async () => {
        const current = await t.orderOf(completed.data.order.id)
        return current?.metadata?.psp_payment?.state === "on_hold" ? current : undefined
      }, 30_000, "the order on hold")
      const refused = await t.fulfill(held.id, allItems(held))
      expect(refused.status).toBe(400)

      // back on the menu, the shopper pays the rest with another card; CM pings
      await t.decideCm(checkout.pspReference, { decision: "approve", method: "MASTERCARD" })
      const released = await eventually(async () => {
        const current = await t.orderOf(held.id)
        return current.metadata?.psp_payment?.state === "processing" && current.payment_collections[0].payments?.length ? current : undefined
      }, 30_000, "the order released once paid in full")
      expect((await t.fulfill(released.id, allItems(released))).status).toBe(200)
      const captured = await eventually(async () => {
        const current = await t.cmOrder(checkout.pspReference)
        return current.totals.captured === current.totals.amount ? current : undefined
      }, 30_000, "the rest captured on the second card")
      expect(captured.payments.map((payment) => [payment.method, payment.captured])).toEqual([
        ["GIFTCARD", "2000"],
        ["VISA", "0"],
        ["MASTERCARD", String(Number(captured.totals.amount) - 2_000)],
      ])
      await t.callbacksIdle()
      expect((await t.ledger.findInstrumentBySession(checkout.sessionId))!.reconcile_issue).toBeNull()
    })

    it("an on-hold order whose pings never come is re-read by the reconcile job and released", async () => {
      const { checkout, order } = await t.placedCmOrder([{ decision: "hold", method: "VISA" }], "on_hold")
      await t.control.put("/_sandbox/cm/merchants/sandbox-cm-merchant-key", { updateUrl: null })
      await t.cmControl(checkout.pspReference, "release")
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      await t.ledger.updatePaymentInstruments({ id: instrument!.id, last_synced_at: new Date(Date.now() - 3600_000) } as never)
      await reconcile()
      const released = await eventually(async () => {
        const current = await t.orderOf(order.id)
        return current.metadata?.psp_payment?.state === "processing" ? current : undefined
      }, 30_000, "the order released by the job")
      expect((await t.fulfill(released.id, allItems(released))).status).toBe(200)
    })

    it("a card declined, then another card authorized: the authorized payment counts and is the one captured", async () => {
      const { checkout, order } = await t.placedCmOrder([
        { decision: "decline", method: "MASTERCARD" },
        { decision: "approve", method: "VISA" },
      ])
      const placed = await t.cmOrder(checkout.pspReference)
      expect(placed.payments.map((payment) => [payment.method, payment.state])).toEqual([
        ["MASTERCARD", "CANCELED"],
        ["VISA", "AUTHORIZED"],
      ])
      expect((await t.fulfill(order.id, allItems(order))).status).toBe(200)
      const captured = await eventually(async () => {
        const current = await t.cmOrder(checkout.pspReference)
        return current.totals.captured === current.totals.amount ? current : undefined
      }, 30_000, "captured")
      expect(captured.payments.map((payment) => payment.captured)).toEqual(["0", captured.totals.amount])
      expect((await t.ledger.findInstrumentBySession(checkout.sessionId))!.reconcile_issue).toBeNull()
    })

    it("the shopper never returns: CM's ping completes the cart, once", async () => {
      const checkout = await t.checkoutAtCm()
      await t.decideCm(checkout.pspReference, { decision: "approve", method: "VISA" })
      const orders = await eventually(async () => {
        const found = await t.ordersOfCart(checkout.cartId)
        return found.length ? found : undefined
      }, 30_000, "an order from the ping")
      await t.callbacksIdle()
      // a late ping and the shopper's return change nothing
      expect((await api.get(`${CM_CALLBACK_PATH}?id=${checkout.sessionId}`)).status).toBe(200)
      await t.shop.complete(checkout.cartId)
      await t.callbacksIdle()
      expect(await t.ordersOfCart(checkout.cartId)).toEqual(orders)
      expect(await t.paymentsOf(checkout.sessionId)).toHaveLength(1)
    })

    it("a burst of 50 pings for one order: each answered 200 {}, coalesced into one PSP fetch and one order", async () => {
      await t.control.put("/_sandbox/cm/merchants/sandbox-cm-merchant-key", { updateUrl: null })
      const checkout = await t.checkoutAtCm()
      await t.decideCm(checkout.pspReference, { decision: "approve", method: "VISA" })
      const before = await getOrderReads()
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => api.get(`${CM_CALLBACK_PATH}?id=${encodeURIComponent(checkout.sessionId)}`, { validateStatus: () => true }))
      )
      expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200))
      expect(answers.map((answer) => answer.data)).toEqual(Array(50).fill({}))
      const orders = await eventually(async () => {
        const found = await t.ordersOfCart(checkout.cartId)
        return found.length ? found : undefined
      }, 30_000, "an order from the pings")
      const order = await eventually(async () => {
        const current = await t.orderOf(orders[0].order_id)
        return current?.metadata?.psp_payment?.state === "processing" ? current : undefined
      }, 30_000, "the order synced")
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      await eventually(async () => {
        const { callbacks } = await t.ledger.getInstrumentWithHistory(instrument!.id)
        const requests = await t.ledger.listPaymentSyncRequests({ instrument_id: instrument!.id } as never)
        return requests.length === 0 ? callbacks : undefined
      }, 30_000, "no sync left to do")
      const reads = (await getOrderReads()) - before
      // pings have no identity: nothing of them is stored, they only ask for a sync
      expect((await t.ledger.getInstrumentWithHistory(instrument!.id)).callbacks).toEqual([])
      // 50 pings, coalesced into one read once the burst went quiet: the sync that completes the
      // cart reads the order, and cart completion and the order.placed sync reuse that read
      expect(reads).toBe(1)
      await reconcile()
      expect(await t.ordersOfCart(checkout.cartId)).toEqual(orders)
      expect(await t.paymentsOf(checkout.sessionId)).toHaveLength(1)
      expect(order.id).toBe(orders[0].order_id)
    })

    it("a ping naming no known order is answered 200 with nothing stored; a POST or no id is refused", async () => {
      const unknown = await api.get(`${CM_CALLBACK_PATH}?id=payses_unknown`, { validateStatus: () => true })
      expect(unknown.status).toBe(200)
      expect(unknown.data).toEqual({})
      expect((await api.get(CM_CALLBACK_PATH, { validateStatus: () => true })).status).toBe(400)
      expect((await api.post(CM_CALLBACK_PATH, { id: "x" }, { validateStatus: () => true })).status).toBe(400)
    })

    it("a cancel: CM has no cancel call, the ledger releases the rest by expiry and the reconcile leaves no issue", async () => {
      const { checkout, order } = await t.placedCmOrder()
      const reads = await getOrderReads()
      expect((await t.admin.post(`/admin/orders/${order.id}/cancel`, {})).status).toBe(200)
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      const cancel = await eventually(async () => {
        const { operations } = await t.ledger.getInstrumentWithHistory(instrument!.id)
        return operations.find((operation) => operation.kind === "cancel" && operation.status === "succeeded")
      }, 30_000, "the cancel completed")
      expect(cancel.psp_operation_ids ?? []).toEqual([])
      const { instrument: canceled } = await t.ledger.getInstrumentWithHistory(instrument!.id)
      expect(canceled.psp_status_history.map((entry: { status: string }) => entry.status)).toContain("released by expiry (the PSP has no cancel)")
      expect(reads).toBeGreaterThan(0)
      await reconcile()
      await reconcile()
      const after = await t.ledger.findInstrumentBySession(checkout.sessionId)
      expect(after!.reconcile_issue).toBeNull()
      // nothing was captured or refunded at CM
      expect(await t.cmOrder(checkout.pspReference)).toMatchObject({ totals: { captured: "0", refunded: "0" } })
    })

    it("a cancel after captures on a gift card and a card: each refunds what it took, the card first, and no issue stays", async () => {
      // a 20.00 gift card, the card the rest; the sweater (89.50) is captured: 20.00 covered by the gift card, 69.50 from the card
      const { checkout, order } = await t.placedCmOrder([{ decision: "approve", method: "VISA", giftCardAmount: 2_000 }])
      const captured = await t.admin.post(
        `/admin/orders/${order.id}/payment-instruments/capture`,
        { items: [{ id: t.itemBySku(order, "WOOL-SWEATER").id, quantity: 1 }], include_shipping: false },
        { headers: { "idempotency-key": "sweater-before-cancel" } }
      )
      expect(captured.status).toBe(200)
      const atCm = await t.cmOrder(checkout.pspReference)
      const [giftCard, card] = atCm.payments.map((payment) => Number(payment.captured))
      expect([giftCard, card]).toEqual([2_000, 6_950])
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).captured * 100 === giftCard + card ? true : undefined), 30_000, "both captures in Medusa")

      expect((await t.admin.post(`/admin/orders/${order.id}/cancel`, {})).status).toBe(200)
      await reconcile()
      const refunded = await eventually(async () => {
        const current = await t.cmOrder(checkout.pspReference)
        return current.totals.refunded === String(giftCard + card) ? current : undefined
      }, 30_000, "everything captured refunded at CM")
      expect(refunded.payments.map((payment) => [payment.method, payment.refunded])).toEqual([
        ["GIFTCARD", String(giftCard)],
        ["VISA", String(card)],
      ])
      await reconcile()
      expect((await t.ledger.findInstrumentBySession(checkout.sessionId))!.reconcile_issue).toBeNull()
      expect(await t.medusaTotals(checkout.sessionId)).toEqual({ captured: (giftCard + card) / 100, refunded: (giftCard + card) / 100 })
    })
  },
})
