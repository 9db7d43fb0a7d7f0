import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import type { IPaymentModuleService } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"

jest.setTimeout(60 * 1000)

/**
 * The Payment module on real PostgreSQL: the harness every provider contract test builds on.
 * Pins down the core behaviour the plugin relies on (see shared/reference/medusa-2.21-internals.md §1.5).
 */
moduleIntegrationTestRunner<IPaymentModuleService>({
  moduleName: Modules.PAYMENT,
  resolve: "@medusajs/payment",
  dbName: `medusa-payment-contract-${process.pid}`,
  moduleModels: Object.values(require("@medusajs/payment/dist/models")),
  testSuite: ({ service }) => {
    describe("Payment module with the system provider", () => {
      it("authorizes, partially captures and refunds, keeping the collection totals", async () => {
        const collection = await service.createPaymentCollections({ currency_code: "eur", amount: 100 })
        const session = await service.createPaymentSession(collection.id, {
          provider_id: "pp_system_default",
          currency_code: "eur",
          amount: 100,
          data: {},
        })
        const payment = await service.authorizePaymentSession(session.id, {})
        expect(payment).not.toBeNull()

        await service.capturePayment({ payment_id: payment!.id, amount: 30 })
        await expect(service.capturePayment({ payment_id: payment!.id, amount: 80 })).rejects.toThrow(
          /cannot capture more than the authorized amount/
        )
        await service.refundPayment({ payment_id: payment!.id, amount: 10 })

        const [updated] = await service.listPaymentCollections({ id: collection.id })
        expect(Number(updated.captured_amount)).toBe(30)
        expect(Number(updated.refunded_amount)).toBe(10)
        expect(updated.status).toBe("authorized")
      })
    })
  },
})
