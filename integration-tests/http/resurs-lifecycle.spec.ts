/**
 * The order lifecycle driving Resurs, exactly once: fulfillment → capture of exactly those lines,
 * return → refund of exactly those lines, admin partial capture, cancel reconciled with core,
 * unknown outcomes settled by the reconcile job, concurrent fulfillments. Real Medusa, real
 * PostgreSQL, the sandbox over HTTP; Medusa's money must equal the sandbox's at every step.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { runMoneyOperation } from "../../src/settlement"
import { resolveConnector } from "../../src/providers/base/registry"
import { reconcilePaymentsWorkflow } from "../../src/workflows/reconcile-payments"
import { eventually, usePspSandbox } from "./support/psp-sandbox"
import { resursStore, type SandboxPayment } from "./support/resurs-store"

jest.setTimeout(180 * 1000)

const psp = usePspSandbox()

// the demo cart: 2 × Canvas Tote (219), 1 × Linen Shirt (649), 3 × Wool Sweater (995), shipping 59: 4131 SEK
const TOTE = "CANVAS-TOTE"
const SHIRT = "LINEN-SHIRT"
const SWEATER = "WOOL-SWEATER"

const captured = (payment: SandboxPayment) => Number(payment.totals.captured)
const refunded = (payment: SandboxPayment) => Number(payment.totals.refunded)
const lineCaptured = (payment: SandboxPayment, reference: string) =>
  Number(payment.lines.find((line) => line.reference === reference)!.captured.quantity)
const actionsOf = (payment: SandboxPayment, type: string) => payment.actions.filter((action) => action.type === type)

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    let t: Awaited<ReturnType<typeof resursStore>>

    beforeEach(async () => {
      t = await resursStore(api, getContainer(), psp)
    })

    /** Waits until the sandbox shows `amount` captured, then checks Medusa records the same. */
    const capturedEverywhere = async (pspReference: string, sessionId: string, amount: number) => {
      const payment = await eventually(async () => {
        const candidate = await t.sandboxPayment(pspReference)
        return captured(candidate) === amount ? candidate : undefined
      }, 20_000, `${amount} captured at Resurs`)
      await eventually(async () => ((await t.medusaTotals(sessionId)).captured === amount ? true : undefined), 20_000, `${amount} captured in Medusa`)
      return payment
    }

    const reconcile = async () => (await reconcilePaymentsWorkflow(getContainer()).run({ input: { olderThanSeconds: 0 } })).result

    it("fulfilling 2 of 3 lines captures exactly those lines (and shipping); the last fulfillment captures the rest", async () => {
      const { checkout, order } = await t.placedOrder()
      const tote = t.itemBySku(order, TOTE)
      const shirt = t.itemBySku(order, SHIRT)
      const sweater = t.itemBySku(order, SWEATER)

      expect((await t.fulfill(order.id, [tote, shirt])).status).toBe(200)
      const first = await capturedEverywhere(checkout.pspReference, checkout.sessionId, 438 + 649 + 59)
      expect([lineCaptured(first, TOTE), lineCaptured(first, SHIRT), lineCaptured(first, SWEATER), lineCaptured(first, "shipping")]).toEqual([2, 1, 0, 1])

      expect((await t.fulfill(order.id, [sweater])).status).toBe(200)
      const second = await capturedEverywhere(checkout.pspReference, checkout.sessionId, 4131)
      expect(lineCaptured(second, SWEATER)).toBe(3)
      expect(actionsOf(second, "CAPTURE")).toHaveLength(2)
      expect(second.totals.authorized).toBe("0.00")
      // the order's payment status follows Medusa's own capture records
      await eventually(async () => ((await t.admin.get(`/admin/orders/${order.id}`)).data.order.payment_status === "captured" ? true : undefined), 10_000, "payment status captured")
    })

    it("receiving a return of one line refunds exactly that line, at Resurs and in Medusa", async () => {
      const { checkout, order } = await t.placedOrder()
      const items = [t.itemBySku(order, TOTE), t.itemBySku(order, SHIRT), t.itemBySku(order, SWEATER)]
      expect((await t.fulfill(order.id, items)).status).toBe(200)
      await capturedEverywhere(checkout.pspReference, checkout.sessionId, 4131)

      await t.receiveReturn(order.id, [{ id: t.itemBySku(order, SHIRT).id, quantity: 1 }])
      const atPsp = await eventually(async () => {
        const candidate = await t.sandboxPayment(checkout.pspReference)
        return refunded(candidate) === 649 ? candidate : undefined
      }, 20_000, "649 refunded at Resurs")
      expect(Number(atPsp.lines.find((line) => line.reference === SHIRT)!.refunded.quantity)).toBe(1)
      expect(actionsOf(atPsp, "REFUND")).toHaveLength(1)
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).refunded === 649 ? true : undefined), 20_000, "649 refunded in Medusa")
    })

    it("admin partial capture reaches Resurs with exactly that amount, then the remaining amount; an amount no lines make is refused", async () => {
      const { checkout } = await t.placedOrder()
      const [payment] = await t.paymentsOf(checkout.sessionId)

      const impossible = await t.admin.post(`/admin/payments/${payment.id}/capture`, { amount: 100 })
      expect(impossible.status).toBe(400)
      expect(impossible.data.message).toMatch(/whole order lines: 100\.00 SEK matches no combination/)
      expect(captured(await t.sandboxPayment(checkout.pspReference))).toBe(0)

      const partial = await t.admin.post(`/admin/payments/${payment.id}/capture`, { amount: 708 }) // shirt + shipping
      expect(partial.status).toBe(200)
      const afterPartial = await t.sandboxPayment(checkout.pspReference)
      expect(captured(afterPartial)).toBe(708)
      expect([lineCaptured(afterPartial, SHIRT), lineCaptured(afterPartial, "shipping")]).toEqual([1, 1])
      expect((await t.medusaTotals(checkout.sessionId)).captured).toBe(708)

      const rest = await t.admin.post(`/admin/payments/${payment.id}/capture`, { amount: 4131 - 708 })
      expect(rest.status).toBe(200)
      const afterRest = await t.sandboxPayment(checkout.pspReference)
      expect(captured(afterRest)).toBe(4131)
      expect(actionsOf(afterRest, "CAPTURE")).toHaveLength(2)
      expect((await t.medusaTotals(checkout.sessionId)).captured).toBe(4131)
    })

    it("canceling an order with one line captured refunds the captured part and releases the rest at Resurs, once", async () => {
      const { checkout, order } = await t.placedOrder()
      const fulfilled = await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])
      expect(fulfilled.status).toBe(200)
      await capturedEverywhere(checkout.pspReference, checkout.sessionId, 708)

      expect((await t.admin.post(`/admin/orders/${order.id}/fulfillments/${fulfilled.fulfillmentId}/cancel`, {})).status).toBe(200)
      expect((await t.admin.post(`/admin/orders/${order.id}/cancel`, {})).status).toBe(200)

      const atPsp = await eventually(async () => {
        const candidate = await t.sandboxPayment(checkout.pspReference)
        return refunded(candidate) === 708 && candidate.totals.canceled === "3423.00" ? candidate : undefined
      }, 20_000, "refund 708 and cancel 3423 at Resurs")
      expect(actionsOf(atPsp, "REFUND")).toHaveLength(1)
      expect(actionsOf(atPsp, "CANCEL")).toHaveLength(1)
      expect(await t.medusaTotals(checkout.sessionId)).toEqual({ captured: 708, refunded: 708 })
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      expect(instrument!.reconcile_issue).toBeNull()

      const late = await t.admin.post(`/admin/orders/${order.id}/payment-instruments/capture`, { items: [t.itemBySku(order, TOTE)] }, { headers: { "idempotency-key": "late" } })
      expect(late.status).toBe(400)
      expect(late.data.message).toMatch(/is canceled: nothing can be captured/)
      expect(actionsOf(await t.sandboxPayment(checkout.pspReference), "CAPTURE")).toHaveLength(1)
    })

    it("a Resurs error during core's cancel shows on the instrument, and the reconcile job fixes it", async () => {
      const { checkout, order } = await t.placedOrder()
      const fulfilled = await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])
      await capturedEverywhere(checkout.pspReference, checkout.sessionId, 708)
      // core's refund and the plugin's immediate retry both fail
      await t.control.post("/_sandbox/faults", { psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/refund", effect: "error", status: 500, times: 2 })

      await t.admin.post(`/admin/orders/${order.id}/fulfillments/${fulfilled.fulfillmentId}/cancel`, {})
      expect((await t.admin.post(`/admin/orders/${order.id}/cancel`, {})).status).toBe(200)

      const flagged = await eventually(async () => {
        const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
        return instrument?.reconcile_issue ? instrument : undefined
      }, 20_000, "the mismatch on the instrument")
      expect(flagged.reconcile_issue).toMatch(/708\.00 SEK captured and not refunded/)
      expect(refunded(await t.sandboxPayment(checkout.pspReference))).toBe(0)

      const result = await reconcile()
      expect(result.issues).toEqual([])
      const atPsp = await t.sandboxPayment(checkout.pspReference)
      expect(refunded(atPsp)).toBe(708)
      expect(actionsOf(atPsp, "REFUND")).toHaveLength(1)
      expect((await t.ledger.findInstrumentBySession(checkout.sessionId))!.reconcile_issue).toBeNull()
      expect(await t.medusaTotals(checkout.sessionId)).toEqual({ captured: 708, refunded: 708 })
    })

    it("a capture whose response is lost stays pending until the reconcile job settles it: one capture at Resurs, and Medusa agrees", async () => {
      const { checkout, order } = await t.placedOrder()
      await t.control.post("/_sandbox/faults", { psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/capture", effect: "drop-response", times: 1 })
      // no management callback either: only the job can settle it
      await t.control.post("/_sandbox/callback-faults", { psp: "resurs", effect: "drop" })

      const fulfilled = await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])
      const key = `capture:fulfillment:${fulfilled.fulfillmentId}:`
      const pending = await eventually(async () => {
        const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
        const { operations } = await t.ledger.getInstrumentWithHistory(instrument!.id)
        return operations.find((operation) => operation.idempotency_key.startsWith(key) && operation.status === "unknown")
      }, 20_000, "the capture's outcome unknown")
      expect(pending.amount).toBe("70800")
      expect(captured(await t.sandboxPayment(checkout.pspReference))).toBe(708) // it did happen at Resurs
      expect((await t.medusaTotals(checkout.sessionId)).captured).toBe(0)

      await reconcile()
      const atPsp = await t.sandboxPayment(checkout.pspReference)
      expect(actionsOf(atPsp, "CAPTURE")).toHaveLength(1)
      expect(captured(atPsp)).toBe(708)
      expect((await t.medusaTotals(checkout.sessionId)).captured).toBe(708)
      await reconcile()
      expect(actionsOf(await t.sandboxPayment(checkout.pspReference), "CAPTURE")).toHaveLength(1)
      expect((await t.medusaTotals(checkout.sessionId)).captured).toBe(708)
    })

    it("a capture whose response is lost is settled by Resurs's next callback", async () => {
      const { checkout, order } = await t.placedOrder()
      await t.control.post("/_sandbox/faults", { psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/capture", effect: "drop-response", times: 1 })
      await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])
      // the MANAGEMENT:CAPTURE callback arrives; processing it settles the pending capture
      const atPsp = await capturedEverywhere(checkout.pspReference, checkout.sessionId, 708)
      expect(actionsOf(atPsp, "CAPTURE")).toHaveLength(1)
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      const { operations } = await t.ledger.getInstrumentWithHistory(instrument!.id)
      expect(operations.find((operation) => operation.kind === "capture")).toMatchObject({ status: "succeeded", attempts: 2 })
    })

    it("a capture made for a Medusa Capture that a crash rolled back is recorded again by the reconcile job", async () => {
      const { checkout } = await t.placedOrder()
      const instrument = (await t.ledger.findInstrumentBySession(checkout.sessionId))!
      const connector = await resolveConnector(getContainer(), instrument.provider_id)
      // what the provider does for an admin capture, with the process stopping before Medusa's rollback is noticed
      await runMoneyOperation(
        { ledger: t.ledger, connector, instrument },
        { kind: "capture", key: "capt_lost_in_crash", origin: "admin:capt_lost_in_crash", amount: 70_800n, medusaRecordId: "capt_lost_in_crash" }
      )
      expect(captured(await t.sandboxPayment(checkout.pspReference))).toBe(708)
      expect((await t.medusaTotals(checkout.sessionId)).captured).toBe(0)

      await reconcile()
      expect((await t.medusaTotals(checkout.sessionId)).captured).toBe(708)
      expect(actionsOf(await t.sandboxPayment(checkout.pspReference), "CAPTURE")).toHaveLength(1)
    })

    it("a capture answered 503 three times, then accepted, captures once", async () => {
      const { checkout, order } = await t.placedOrder()
      await t.control.post("/_sandbox/faults", { psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/capture", effect: "error", status: 503, times: 3 })

      await t.fulfill(order.id, [t.itemBySku(order, TOTE)])
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      // each poll runs the reconcile job once more, as its schedule would
      await eventually(async () => {
        const { operations } = await t.ledger.getInstrumentLedger(instrument!.id)
        if (operations.some((operation) => operation.kind === "capture" && operation.status === "succeeded")) return true
        await reconcile()
        return undefined
      }, 60_000, "the capture succeeded after the 503s")
      const atPsp = await capturedEverywhere(checkout.pspReference, checkout.sessionId, 438 + 59)
      expect(actionsOf(atPsp, "CAPTURE")).toHaveLength(1)
      const { operations } = await t.ledger.getInstrumentWithHistory(instrument!.id)
      const capture = operations.find((operation) => operation.kind === "capture")!
      expect(capture.attempts).toBe(4)
    })

    it("admin: reads the order's ledger, captures and refunds chosen lines, and refuses bad input naming the field", async () => {
      const { checkout, order } = await t.placedOrder()
      // every callback 5 times over, racing the recording of each capture and refund in Medusa
      await t.control.post("/_sandbox/callback-faults", { psp: "resurs", effect: "duplicate", copies: 5 })
      const sweater = t.itemBySku(order, SWEATER)

      const invalid = await t.admin.post(`/admin/orders/${order.id}/payment-instruments/capture`, { items: [{ id: sweater.id, quantity: 0 }] }, { headers: { "idempotency-key": "invalid" } })
      expect(invalid.status).toBe(400)
      expect(invalid.data.message).toMatch(/'items, 0, quantity' too small/)

      const headers = { "idempotency-key": "capture-two-sweaters" }
      const capture = () =>
        t.admin.post(`/admin/orders/${order.id}/payment-instruments/capture`, { items: [{ id: sweater.id, quantity: 2 }], include_shipping: false }, { headers })
      const [first, repeated] = [await capture(), await capture()]
      expect({ status: first.status, body: first.data }).toMatchObject({ status: 200 })
      expect({ status: repeated.status, body: repeated.data }).toMatchObject({ status: 200 })
      expect(repeated.data.operations[0].key).toBe(first.data.operations[0].key)
      const afterCapture = await t.sandboxPayment(checkout.pspReference)
      expect(captured(afterCapture)).toBe(1990)
      expect(actionsOf(afterCapture, "CAPTURE")).toHaveLength(1)

      const tooMany = await t.admin.post(`/admin/orders/${order.id}/payment-instruments/capture`, { items: [{ id: sweater.id, quantity: 2 }] }, { headers: { "idempotency-key": "capture-two-more" } })
      expect(tooMany.status).toBe(400)
      expect(tooMany.data.message).toMatch(/WOOL-SWEATER.*only 1 left/)

      const refund = await t.admin.post(`/admin/orders/${order.id}/payment-instruments/refund`, { items: [{ id: sweater.id, quantity: 1 }] }, { headers: { "idempotency-key": "refund-one-sweater" } })
      expect(refund.status).toBe(200)
      expect(refunded(await t.sandboxPayment(checkout.pspReference))).toBe(995)

      const view = await t.admin.get(`/admin/orders/${order.id}/payment-instruments`)
      expect(view.status).toBe(200)
      const [instrument] = view.data.payment_instruments
      expect(instrument.amounts).toMatchObject({ authorized: "4131.00", captured: "1990.00", refunded: "995.00", capturable: "2141.00", refundable: "995.00" })
      expect(instrument.lines.find((line: { reference: string }) => line.reference === SWEATER)).toMatchObject({ captured_quantity: 2, refunded_quantity: 1 })
      expect(instrument.operations.map((operation: { kind: string; status: string }) => [operation.kind, operation.status])).toEqual([
        ["authorize", "succeeded"],
        ["capture", "succeeded"],
        ["refund", "succeeded"],
      ])
      expect(instrument.psp_status_history.map((entry: { status: string }) => entry.status)).toContain("ACCEPTED")
      expect(await t.medusaTotals(checkout.sessionId)).toEqual({ captured: 1990, refunded: 995 })
    })

    it("two concurrent fulfillments of one order capture both exactly, never more", async () => {
      const { checkout, order } = await t.placedOrder()
      const [a, b] = await Promise.all([
        t.fulfill(order.id, [t.itemBySku(order, TOTE), t.itemBySku(order, SHIRT)]),
        t.fulfill(order.id, [t.itemBySku(order, SWEATER)]),
      ])
      expect([a.status, b.status]).toEqual([200, 200])
      const atPsp = await capturedEverywhere(checkout.pspReference, checkout.sessionId, 4131)
      expect(actionsOf(atPsp, "CAPTURE")).toHaveLength(2)
      expect([TOTE, SHIRT, SWEATER, "shipping"].map((reference) => lineCaptured(atPsp, reference))).toEqual([2, 1, 3, 1])
    })
  },
})
