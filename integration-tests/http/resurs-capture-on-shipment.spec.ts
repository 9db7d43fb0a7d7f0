/**
 * captureOn: "shipment": creating a fulfillment captures nothing; marking it shipped captures
 * exactly its lines, and the order's payment status follows.
 */
import { Modules } from "@medusajs/framework/utils"
import { medusaIntegrationTestRunner, TestEventUtils } from "@medusajs/test-utils"
import { eventually, usePspSandbox } from "./support/psp-sandbox"
import { resursStore } from "./support/resurs-store"

jest.setTimeout(180 * 1000)

const psp = usePspSandbox({ env: { PAYMENTS_CAPTURE_ON: "shipment" } })

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    it("captures a fulfillment's lines when it ships, not when it is created", async () => {
      const t = await resursStore(api, getContainer(), psp)
      const { checkout, order } = await t.placedOrder()
      const shirt = t.itemBySku(order, "LINEN-SHIRT")

      // the fulfillment's subscribers have run (and, captureOn being shipment, captured nothing)
      const fulfillmentHandled = TestEventUtils.waitSubscribersExecution("order.fulfillment_created", getContainer().resolve(Modules.EVENT_BUS), { timeout: 60_000 })
      const fulfilled = await t.fulfill(order.id, [shirt])
      expect(fulfilled.status).toBe(200)
      await fulfillmentHandled
      expect((await t.sandboxPayment(checkout.pspReference)).totals.captured).toBe("0.00")

      const shipped = await t.admin.post(`/admin/orders/${order.id}/fulfillments/${fulfilled.fulfillmentId}/shipments`, { items: [shirt] })
      expect(shipped.status).toBe(200)
      await eventually(async () => ((await t.sandboxPayment(checkout.pspReference)).totals.captured === "708.00" ? true : undefined), 20_000, "708 captured at Resurs")
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).captured === 708 ? true : undefined), 20_000, "708 captured in Medusa")
      // the order's payment status follows Medusa's own capture records
      await eventually(async () => ((await t.admin.get(`/admin/orders/${order.id}`)).data.order.payment_status === "partially_captured" ? true : undefined), 10_000, "payment status partially_captured")
    })
  },
})
