/**
 * The order lifecycle driving Nemuru, for one mode (the `transactional` provider option): shipped
 * lines captured by Nemuru's item ids, returns refunded by item ids, cancel after a partial
 * shipment, and a lender's rejection. Real Medusa, real PostgreSQL, the sandbox over HTTP.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import type { AxiosInstance } from "axios"
import { reconcilePaymentsWorkflow } from "../../../src/workflows/reconcile-payments"
import { eventually, type PspSandboxHandle } from "./psp-sandbox"
import { nemuruStore } from "./nemuru-store"

export const TOTE = "CANVAS-TOTE"
export const SHIRT = "LINEN-SHIRT"
export const SWEATER = "WOOL-SWEATER"

type Store = Awaited<ReturnType<typeof nemuruStore>>

/** Cents, from a decimal string of the sandbox or a Medusa number: compared exactly. */
export const cents = (value: string | number) => Math.round(Number(value) * 100)

export function nemuruLifecycleTests(
  mode: "transactional" | "asynchronous",
  { api, getContainer, psp }: { api: AxiosInstance; getContainer: () => MedusaContainer; psp: PspSandboxHandle }
) {
  let t: Store

  beforeEach(async () => {
    t = await nemuruStore(api, getContainer(), psp)
  })

  /** Waits until the sandbox shows `amount` (cents) captured, then checks Medusa records the same. */
  const capturedEverywhere = async (orderId: string, sessionId: string, amount: number) => {
    const order = await eventually(async () => {
      const candidate = await t.sandboxOrder(orderId)
      return cents(candidate.totals.captured) === amount ? candidate : undefined
    }, 20_000, `${amount} cents captured at Nemuru`)
    await eventually(async () => (cents((await t.medusaTotals(sessionId)).captured) === amount ? true : undefined), 20_000, `${amount} cents captured in Medusa`)
    return order
  }
  const lineTotal = async (orderId: string, itemId: string) => cents((await t.sandboxOrder(orderId)).lines.find((line) => line.id === itemId)!.ordered.amount)
  const itemsOf = (request: { body: { items?: { id: string; units?: number }[] } }) =>
    (request.body.items ?? []).map((item) => `${item.id}×${item.units}`).sort()

  it(`${mode}: fulfilling 2 of 3 lines captures exactly those item ids (and shipping) at Nemuru; the last fulfillment the rest`, async () => {
    const { checkout, order } = await t.placedOrder()
    const ids = await t.itemIds(checkout.sessionId)
    const [tote, shirt, sweater] = [TOTE, SHIRT, SWEATER].map((sku) => t.itemBySku(order, sku))

    // the demo's EUR shipping is 5.00 EUR (prices are in major units), not 500.00
    expect(await lineTotal(checkout.pspReference, ids.shipping)).toBe(500)
    expect((await t.fulfill(order.id, [tote, shirt])).status).toBe(200)
    const firstAmount = (await lineTotal(checkout.pspReference, ids[TOTE])) + (await lineTotal(checkout.pspReference, ids[SHIRT])) + (await lineTotal(checkout.pspReference, ids.shipping))
    await capturedEverywhere(checkout.pspReference, checkout.sessionId, firstAmount)
    const [first] = await t.operationRequests("capture")
    expect(itemsOf(first)).toEqual([`${ids[TOTE]}×2`, `${ids[SHIRT]}×1`, `${ids.shipping}×1`].sort())
    expect(first.body.transactional).toBe(mode === "transactional")

    expect((await t.fulfill(order.id, [sweater])).status).toBe(200)
    const after = await capturedEverywhere(checkout.pspReference, checkout.sessionId, cents(checkout.total))
    const requests = await t.operationRequests("capture")
    expect(requests).toHaveLength(2)
    expect(itemsOf(requests[1])).toEqual([`${ids[SWEATER]}×3`])
    expect(after.operations.filter((operation) => operation.type === "capture").map((operation) => operation.status)).toEqual(["confirmed", "confirmed"])
    expect(after.totals.authorized).toBe("0.00")
    const [instrument] = await t.adminInstruments(order.id)
    expect(instrument.operations.filter((operation: { kind: string }) => operation.kind === "capture").map((operation: { status: string }) => operation.status)).toEqual([
      "succeeded",
      "succeeded",
    ])
  })

  it(`${mode}: an admin capture of an amount no combination of lines makes is refused with the lines still available; nothing reaches Nemuru`, async () => {
    const { checkout } = await t.placedOrder()
    const [payment] = await t.paymentsOf(checkout.sessionId)
    const impossible = await t.admin.post(`/admin/payments/${payment.id}/capture`, { amount: 1 })
    expect(impossible.status).toBe(400)
    expect(impossible.data.message).toMatch(/whole order lines: 1\.00 EUR matches no combination of the lines still available \(.*LINEN-SHIRT/)
    expect(await t.operationRequests("capture")).toHaveLength(0)
    expect(cents((await t.sandboxOrder(checkout.pspReference)).totals.captured)).toBe(0)
  })

  it(`${mode}: a capture of part of a line whose answer is lost is found on Nemuru's record by its lines, never sent twice`, async () => {
    const { checkout, order } = await t.placedOrder()
    const ids = await t.itemIds(checkout.sessionId)
    await t.sandboxControl("/_sandbox/faults", { psp: "nemuru", endpoint: "capture", effect: "drop-response", times: 1 })
    // one of the three sweaters: sent again, Nemuru would capture a second one
    expect((await t.fulfill(order.id, [{ ...t.itemBySku(order, SWEATER), quantity: 1 }])).status).toBe(200)
    // the answer is lost: the capture is unknown until a read of Nemuru's record settles it (in the
    // asynchronous mode Nemuru's notification may do so before this poll sees it unknown)
    await eventually(async () => {
      const [instrument] = await t.adminInstruments(order.id)
      return instrument?.operations.some(
        (operation: { kind: string; status: string }) => operation.kind === "capture" && ["unknown", "accepted", "succeeded"].includes(operation.status)
      )
        ? true
        : undefined
    }, 20_000, "the capture sent, its answer lost")
    const sweater = await lineTotal(checkout.pspReference, ids[SWEATER])
    // one sweater, and shipping with the first capture
    const one = Math.floor(sweater / 3) + (await lineTotal(checkout.pspReference, ids.shipping))

    await eventually(async () => {
      await reconcilePaymentsWorkflow(getContainer()).run({ input: { olderThanSeconds: 0 } })
      const [instrument] = await t.adminInstruments(order.id)
      return instrument.operations.some((operation: { kind: string; status: string }) => operation.kind === "capture" && operation.status === "succeeded") ? true : undefined
    }, 30_000, "the capture settled")
    await capturedEverywhere(checkout.pspReference, checkout.sessionId, one)
    expect(await t.operationRequests("capture")).toHaveLength(1)
    const atPsp = await t.sandboxOrder(checkout.pspReference)
    expect(atPsp.lines.find((line) => line.id === ids[SWEATER])!.captured.units).toBe(1)
    const [instrument] = await t.adminInstruments(order.id)
    expect(instrument.operations.filter((operation: { kind: string }) => operation.kind === "capture")).toHaveLength(1)
  })

  it(`${mode}: receiving a return of one line refunds exactly that item id, at Nemuru and in Medusa`, async () => {
    const { checkout, order } = await t.placedOrder()
    const ids = await t.itemIds(checkout.sessionId)
    expect((await t.fulfill(order.id, [TOTE, SHIRT, SWEATER].map((sku) => t.itemBySku(order, sku)))).status).toBe(200)
    await capturedEverywhere(checkout.pspReference, checkout.sessionId, cents(checkout.total))

    await t.receiveReturn(order.id, [{ id: t.itemBySku(order, SWEATER).id, quantity: 1 }])
    const atPsp = await eventually(async () => {
      const candidate = await t.sandboxOrder(checkout.pspReference)
      return cents(candidate.totals.refunded) === 8950 ? candidate : undefined
    }, 20_000, "89.50 refunded at Nemuru")
    expect(atPsp.lines.find((line) => line.id === ids[SWEATER])!.refunded).toEqual({ units: 1, amount: "89.50" })
    const refunds = await t.operationRequests("refund")
    expect(refunds).toHaveLength(1)
    expect(itemsOf(refunds[0])).toEqual([`${ids[SWEATER]}×1`])
    await eventually(async () => (cents((await t.medusaTotals(checkout.sessionId)).refunded) === 8950 ? true : undefined), 20_000, "89.50 refunded in Medusa")
  })

  it(`${mode}: canceling an order after a partial shipment refunds the shipped items by id; nothing more is captured`, async () => {
    const { checkout, order } = await t.placedOrder()
    const ids = await t.itemIds(checkout.sessionId)
    const fulfilled = await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])
    expect(fulfilled.status).toBe(200)
    const shipped = (await lineTotal(checkout.pspReference, ids[SHIRT])) + (await lineTotal(checkout.pspReference, ids.shipping))
    await capturedEverywhere(checkout.pspReference, checkout.sessionId, shipped)

    expect((await t.admin.post(`/admin/orders/${order.id}/fulfillments/${fulfilled.fulfillmentId}/cancel`, {})).status).toBe(200)
    expect((await t.admin.post(`/admin/orders/${order.id}/cancel`, {})).status).toBe(200)

    const atPsp = await eventually(async () => {
      const candidate = await t.sandboxOrder(checkout.pspReference)
      return cents(candidate.totals.refunded) === shipped ? candidate : undefined
    }, 20_000, "the shipped items refunded at Nemuru")
    expect(itemsOf((await t.operationRequests("refund"))[0])).toEqual([`${ids[SHIRT]}×1`, `${ids.shipping}×1`].sort())
    expect(cents(atPsp.totals.captured)).toBe(shipped)
    await eventually(async () => {
      const totals = await t.medusaTotals(checkout.sessionId)
      return cents(totals.captured) === shipped && cents(totals.refunded) === shipped ? true : undefined
    }, 20_000, "Medusa: captured and refunded the shipped part")

    // Nemuru cancels whole orders only while nothing is captured: the release of the rest is
    // refused (transactional: core's cancel already tried; asynchronous: core stopped at the
    // accepted refund, the reconcile job tries), and the admin sees why on the instrument
    const issue = await eventually(async () => {
      await reconcilePaymentsWorkflow(getContainer()).run({ input: { olderThanSeconds: 0 } })
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      return instrument?.reconcile_issue && /still reserved at the PSP/.test(instrument.reconcile_issue) ? instrument.reconcile_issue : undefined
    }, 30_000, "the instrument says what Nemuru still reserves")
    expect(issue).toMatch(/refund instead/)
    const [instrument] = await t.adminInstruments(order.id)
    const cancels = instrument.operations.filter((operation: { kind: string }) => operation.kind === "cancel")
    expect(cancels.length).toBeGreaterThan(0)
    expect(cancels.every((operation: { status: string; error: { message: string } }) => operation.status === "failed" && /refund instead/.test(operation.error.message))).toBe(true)
    expect(await t.operationRequests("refund")).toHaveLength(1)
    const late = await t.admin.post(`/admin/orders/${order.id}/payment-instruments/capture`, { items: [t.itemBySku(order, TOTE)] }, { headers: { "idempotency-key": "late" } })
    expect(late.status).toBe(400)
    expect(await t.operationRequests("capture")).toHaveLength(1)
  })

  if (mode === "transactional") {
    it("transactional: a lender rejecting a capture fails it with the lender's reason; nothing is captured in Medusa", async () => {
      const { checkout, order } = await t.placedOrder()
      await t.lender("reject")
      expect((await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])).status).toBe(200)
      const [instrument] = await eventually(async () => {
        const instruments = await t.adminInstruments(order.id)
        return instruments[0]?.operations.some((operation: { kind: string; status: string }) => operation.kind === "capture" && operation.status === "failed") ? instruments : undefined
      }, 20_000, "the capture failed")
      const capture = instrument.operations.find((operation: { kind: string }) => operation.kind === "capture")
      expect(capture.error.message).toMatch(/lender rejected the capture/)
      expect(cents((await t.medusaTotals(checkout.sessionId)).captured)).toBe(0)
      expect(cents((await t.sandboxOrder(checkout.pspReference)).totals.captured)).toBe(0)
    })
  } else {
    it("asynchronous: a capture shows `accepted` until the lender's notification, then succeeded and recorded in Medusa", async () => {
      const { checkout, order } = await t.placedOrder()
      await t.lender("confirm", { delayMs: 4_000 })
      expect((await t.fulfill(order.id, [TOTE, SHIRT, SWEATER].map((sku) => t.itemBySku(order, sku)))).status).toBe(200)

      const [accepted] = await eventually(async () => {
        const instruments = await t.adminInstruments(order.id)
        return instruments[0]?.operations.some((operation: { kind: string; status: string }) => operation.kind === "capture" && operation.status === "accepted") ? instruments : undefined
      }, 20_000, "the capture accepted")
      const capture = accepted.operations.find((operation: { kind: string }) => operation.kind === "capture")
      expect(capture.psp_operation_ids).toHaveLength(1)
      expect(cents((await t.medusaTotals(checkout.sessionId)).captured)).toBe(0)
      const pending = await t.sandboxOrder(checkout.pspReference)
      expect(cents(pending.totals.pendingCapture)).toBe(cents(checkout.total))
      expect(pending.operations).toMatchObject([{ id: capture.psp_operation_ids[0], type: "capture", status: "pending" }])

      await capturedEverywhere(checkout.pspReference, checkout.sessionId, cents(checkout.total))
      const [settled] = await t.adminInstruments(order.id)
      expect(settled.operations.find((operation: { kind: string }) => operation.kind === "capture").status).toBe("succeeded")
      await t.callbacksIdle()
      const { callbacks } = await t.ledger.getInstrumentWithHistory(settled.id)
      expect(callbacks.some((callback) => callback.dedup_key === `${checkout.pspReference}:order_capture_created:${capture.psp_operation_ids[0]}`)).toBe(true)
    })

    it("asynchronous: when the lender's notification is lost, the reconcile job reads the order and settles the accepted capture", async () => {
      const { checkout, order } = await t.placedOrder()
      await t.sandboxControl("/_sandbox/callback-faults", { psp: "nemuru", event: "order_capture_created", effect: "drop", times: 1 })
      expect((await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])).status).toBe(200)
      await eventually(async () => ((await t.sandboxOrder(checkout.pspReference)).operations.some((operation) => operation.status === "confirmed") ? true : undefined), 20_000, "the lender confirmed at Nemuru")
      await t.callbacksIdle()
      const [before] = await t.adminInstruments(order.id)
      expect(before.operations.find((operation: { kind: string }) => operation.kind === "capture").status).toBe("accepted")
      expect(cents((await t.medusaTotals(checkout.sessionId)).captured)).toBe(0)

      await reconcilePaymentsWorkflow(getContainer()).run({ input: { olderThanSeconds: 0 } })
      await capturedEverywhere(checkout.pspReference, checkout.sessionId, cents((await t.sandboxOrder(checkout.pspReference)).totals.captured))
      const [after] = await t.adminInstruments(order.id)
      expect(after.operations.find((operation: { kind: string }) => operation.kind === "capture").status).toBe("succeeded")
      expect(cents((await t.medusaTotals(checkout.sessionId)).captured)).toBeGreaterThan(0)
    })

    it("asynchronous: a capture the lender rejects after Nemuru accepted it lapses with the reason; nothing is recorded as captured", async () => {
      const { checkout, order } = await t.placedOrder()
      await t.lender("reject", { delayMs: 500 })
      expect((await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])).status).toBe(200)
      const [instrument] = await eventually(async () => {
        const instruments = await t.adminInstruments(order.id)
        return instruments[0]?.operations.some((operation: { kind: string; status: string }) => operation.kind === "capture" && operation.status === "lapsed") ? instruments : undefined
      }, 20_000, "the capture lapsed")
      const capture = instrument.operations.find((operation: { kind: string }) => operation.kind === "capture")
      expect(capture.error.message).toMatch(/lender rejected the capture/)
      await t.callbacksIdle()
      expect(cents((await t.medusaTotals(checkout.sessionId)).captured)).toBe(0)
      expect(cents((await t.sandboxOrder(checkout.pspReference)).totals.captured)).toBe(0)
    })
  }
}
