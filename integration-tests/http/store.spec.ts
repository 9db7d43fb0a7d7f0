import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { seedDemoStore, type DemoStore } from "../../demo/seed"

jest.setTimeout(120 * 1000)

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    describe("the repository booted as a store", () => {
      let store: DemoStore

      beforeEach(async () => {
        store = await seedDemoStore(getContainer())
      })

      it("answers /health", async () => {
        const response = await api.get("/health")
        expect(response.status).toBe(200)
        expect(response.data).toBe("OK")
      })

      it("lists the seeded EUR and SEK regions through the store API with the publishable key", async () => {
        const response = await api.get("/store/regions", {
          headers: { "x-publishable-api-key": store.publishableKey },
        })
        expect(response.status).toBe(200)
        const byCurrency = Object.fromEntries(
          response.data.regions.map((r: { currency_code: string; id: string }) => [r.currency_code, r.id])
        )
        expect(byCurrency).toEqual(store.regions)
        expect(Object.keys(byCurrency).sort()).toEqual(["eur", "sek"])
      })

      it("refuses the store API without a publishable key", async () => {
        const response = await api.get("/store/regions").catch((error: { response: unknown }) => error.response)
        expect((response as { status: number }).status).toBe(400)
      })

      it("seeds idempotently: a second run creates nothing new", async () => {
        const again = await seedDemoStore(getContainer())
        expect(again).toEqual(store)
        const response = await api.get("/store/products", {
          headers: { "x-publishable-api-key": store.publishableKey },
          params: { region_id: store.regions.sek, fields: "*variants.calculated_price,+variants.inventory_quantity" },
        })
        expect(response.data.products).toHaveLength(3)
        const shirt = response.data.products.find((p: { handle: string }) => p.handle === "linen-shirt")
        expect(shirt.variants[0].calculated_price.calculated_amount).toBe(649)
        expect(shirt.variants[0].inventory_quantity).toBe(100)
      })
    })
  },
})
