/**
 * GET /admin/payment-attention: what needs a person across the store (the admin's "Payments
 * attention" page). Real Medusa, real PostgreSQL, the Resurs sandbox over HTTP.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { eventually, usePspSandbox } from "./support/psp-sandbox"
import { resursStore } from "./support/resurs-store"

jest.setTimeout(300 * 1000)

const psp = usePspSandbox()

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    let t: Awaited<ReturnType<typeof resursStore>>

    beforeEach(async () => {
      t = await resursStore(api, getContainer(), psp)
    })

    const attention = async (query = "") => {
      const response = await t.admin.get(`/admin/payment-attention${query}`)
      expect(response.status).toBe(200)
      return response.data
    }

    it("lists a held order and why, a capture with an unknown outcome, an open reconcile issue and rejected callbacks, each with its order", async () => {
      // an order Resurs holds (FROZEN)
      const heldCheckout = await t.checkoutAtResurs()
      await t.decide(heldCheckout.pspReference, "hold")
      const completed = await t.shop.complete(heldCheckout.cartId)
      expect(completed.data.type).toBe("order")
      const heldOrderId = completed.data.order.id as string
      await eventually(async () => ((await t.orderOf(heldOrderId))?.metadata?.psp_payment?.state === "on_hold" ? true : undefined), 15_000, "the order on hold")

      // a capture Resurs answers 503: its outcome is unknown until the PSP's record settles it
      const { order } = await t.placedOrder([1, 1, 1])
      const item = t.itemBySku(order, "LINEN-SHIRT")
      await t.control.post("/_sandbox/faults", { psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/capture", effect: "error", status: 503, times: 1 })
      const capture = await t.admin.post(
        `/admin/orders/${order.id}/payment-instruments/capture`,
        { items: [{ id: item.id, quantity: 1 }], include_shipping: false },
        { headers: { "Idempotency-Key": "attention-unknown" } }
      )
      expect(capture.status).toBe(202)
      const instrumentId = order.payment_instruments[0].id as string

      // an open reconcile issue, as a reconciliation leaves it
      await t.ledger.updatePaymentInstruments({ id: instrumentId, reconcile_issue: "the PSP captured 10.00 more than the ledger" })

      // rejected callbacks: two the Resurs connector cannot read, and one for a provider nobody configured
      for (let i = 0; i < 2; i++) {
        expect((await api.post("/hooks/psp/resurs_resurs", { nonsense: i }, { validateStatus: () => true })).status).toBe(400)
      }
      expect((await api.post("/hooks/psp/forged_forged", { any: "thing" }, { validateStatus: () => true })).status).toBe(404)

      const page = await eventually(async () => {
        const data = await attention()
        return data.rejected_callbacks.rows.reduce((sum: number, row: { count: number }) => sum + row.count, 0) === 3 ? data : undefined
      }, 15_000, "the rejected callbacks counted")

      expect(page.on_hold).toEqual({
        count: 1,
        rows: [
          expect.objectContaining({
            order: { id: heldOrderId, display_id: expect.any(Number) },
            provider_id: "pp_resurs_resurs",
            psp_reference: heldCheckout.pspReference,
            psp_status: "FROZEN",
            reason: "psp_on_hold",
            authorized: "0.00",
            currency_code: "sek",
          }),
        ],
      })
      expect(page.operations.count).toBe(1)
      expect(page.operations.rows[0]).toMatchObject({
        order: { id: order.id },
        kind: "capture",
        status: "unknown",
        key: `capture:admin:${order.id}:attention-unknown:${instrumentId}`,
        amount: "649.00",
        currency_code: "sek",
        provider_id: "pp_resurs_resurs",
        // the request retried once within itself before giving up: still one operation, one key
        attempts: expect.any(Number),
      })
      expect(page.reconcile_issues).toEqual({
        count: 1,
        rows: [expect.objectContaining({ instrument_id: instrumentId, order: { id: order.id, display_id: expect.any(Number) }, issue: "the PSP captured 10.00 more than the ledger" })],
      })
      expect(page.rejected_callbacks.rows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ provider_id: "pp_resurs_resurs", reason: "http_400", count: 2 }),
          // a made-up provider name is not kept: forged names cannot add rows
          expect.objectContaining({ provider_id: "unknown", reason: "unknown_provider", count: 1 }),
        ])
      )
      expect(page.rejected_callbacks.count).toBe(2)

      // paginated per category, with the total count
      const second = await attention("?limit=1&offset=1")
      expect(second).toMatchObject({ limit: 1, offset: 1, on_hold: { count: 1, rows: [] }, rejected_callbacks: { count: 2 } })
      expect(second.rejected_callbacks.rows).toHaveLength(1)
    })

    it("a flood of forged callbacks adds one row per reason and hour, and never a 5xx", async () => {
      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          api.post(`/hooks/psp/${i % 2 ? "resurs_resurs" : `made_up_${i}`}`, { forged: i }, { validateStatus: () => true }).then((response: { status: number }) => response.status)
        )
      )
      expect(statuses.every((status) => status < 500)).toBe(true)
      // (the sandbox may still deliver a callback about the previous test's payment: counted as unknown_payment)
      type Row = { provider_id: string; reason: string; count: number }
      const fromFlood = (rows: Row[]) => rows.filter((row) => row.reason === "http_400" || row.reason === "unknown_provider")
      const rows = await eventually(async () => {
        const flood = fromFlood((await attention()).rejected_callbacks.rows)
        return flood.reduce((sum, row) => sum + row.count, 0) >= 40 ? flood : undefined
      }, 15_000, "every rejection counted")
      expect(rows.map((row) => `${row.provider_id} ${row.reason} ${row.count}`).sort()).toEqual(["pp_resurs_resurs http_400 20", "unknown unknown_provider 20"])
    })

    it("validates its query and requires an admin", async () => {
      for (const query of ["?limit=0", "?limit=101", "?limit=ten", "?offset=-1", "?category=held"]) {
        expect((await t.admin.get(`/admin/payment-attention${query}`)).status).toBe(400)
      }
      expect((await api.get("/admin/payment-attention", { validateStatus: () => true })).status).toBe(401)
    })
  },
})
