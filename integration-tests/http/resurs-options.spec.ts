/**
 * The lifecycle options change when money moves: with captureOnOrderPlaced the whole order is
 * captured when placed (and fulfillments capture nothing more); with refundOnReturn off a return
 * refunds nothing until the admin's Refund button, which reaches Resurs with exactly its amount.
 */
import { Modules } from "@medusajs/framework/utils"
import { medusaIntegrationTestRunner, TestEventUtils } from "@medusajs/test-utils"
import { eventually, usePspSandbox } from "./support/psp-sandbox"
import { resursStore } from "./support/resurs-store"

jest.setTimeout(180 * 1000)

const psp = usePspSandbox({ env: { PAYMENTS_CAPTURE_ON_ORDER_PLACED: "true", PAYMENTS_REFUND_ON_RETURN: "false" } })

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    it("captures the whole order when placed, refunds a return only when the admin asks", async () => {
      const t = await resursStore(api, getContainer(), psp)
      const { checkout, order } = await t.placedOrder()

      const captured = await eventually(async () => {
        const payment = await t.sandboxPayment(checkout.pspReference)
        return payment.totals.captured === "4131.00" ? payment : undefined
      }, 20_000, "the whole order captured")
      expect(captured.actions.filter((action) => action.type === "CAPTURE")).toHaveLength(1)
      await eventually(async () => ((await t.medusaTotals(checkout.sessionId)).captured === 4131 ? true : undefined))

      const shirt = t.itemBySku(order, "LINEN-SHIRT")
      expect((await t.fulfill(order.id, [shirt])).status).toBe(200)
      // the return's subscribers have run (and, refundOnReturn being off, refunded nothing)
      const returnHandled = TestEventUtils.waitSubscribersExecution("order.return_received", getContainer().resolve(Modules.EVENT_BUS), { timeout: 60_000 })
      await t.receiveReturn(order.id, [{ id: shirt.id, quantity: 1 }])
      await returnHandled
      const afterReturn = await t.sandboxPayment(checkout.pspReference)
      expect(afterReturn.actions.filter((action) => action.type === "CAPTURE")).toHaveLength(1)
      expect(afterReturn.totals.refunded).toBe("0.00")

      const [payment] = await t.paymentsOf(checkout.sessionId)
      const refund = await t.admin.post(`/admin/payments/${payment.id}/refund`, { amount: 649 })
      expect(refund.status).toBe(200)
      const refunded = await t.sandboxPayment(checkout.pspReference)
      expect(refunded.totals.refunded).toBe("649.00")
      expect(Number(refunded.lines.find((line) => line.reference === "LINEN-SHIRT")!.refunded.quantity)).toBe(1)
      expect(await t.medusaTotals(checkout.sessionId)).toEqual({ captured: 4131, refunded: 649 })
    })
  },
})
