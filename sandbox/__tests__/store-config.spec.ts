/**
 * What the sandbox command prints for a store (store-config.ts) must be options the plugin's
 * providers accept as they are: the same validation a store's boot runs.
 */
import { parseProviderOptions } from "../../src/providers/base/options"
import { cmOptionsSchema } from "../../src/providers/cm/service"
import { digitalRiverOptionsSchema } from "../../src/providers/digitalriver/service"
import { nemuruOptionsSchema } from "../../src/providers/nemuru/service"
import { resursOptionsSchema } from "../../src/providers/resurs/service"
import { formatStoreProviderConfigs, storeProviderConfigs } from "../src/store-config"

const SCHEMAS = { resurs: resursOptionsSchema, nemuru: nemuruOptionsSchema, digitalriver: digitalRiverOptionsSchema, cm: cmOptionsSchema } as const
const STORE = { backendUrl: "http://localhost:9000", returnUrl: "http://localhost:8000/checkout/return?cart_id={cart_id}" }

describe("the provider options the sandbox prints for a store", () => {
  const configs = storeProviderConfigs("http://127.0.0.1:4010")

  it("name every provider of the package, by its resolve path", () => {
    expect(configs.map((config) => [config.id, config.resolve])).toEqual(
      Object.keys(SCHEMAS).map((id) => [id, `medusa-order-payments/providers/${id}`])
    )
  })

  it.each(Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[])("%s: accepted by the provider's own option validation, with the store's URLs", (id) => {
    const config = configs.find((candidate) => candidate.id === id)!
    const options: Record<string, unknown> = { ...STORE, ...config.options }
    if (id === "nemuru") {
      options.notificationSecret = "a-store-chosen-secret-of-32-characters!"
    }
    expect(() => parseProviderOptions(id, SCHEMAS[id], options)).not.toThrow()
  })

  it("print as a providers block with each base URL", () => {
    const printed = formatStoreProviderConfigs("http://127.0.0.1:4010")
    expect(printed).toContain('baseUrl: "http://127.0.0.1:4010/resurs/"')
    expect(printed).toContain('baseUrl: "http://127.0.0.1:4010/cm/ps/api/public/v1/merchants/"')
    expect(printed).toContain('storeId: "4c4f2b0c-5a0e-4b1e-9d55-0f7d4bbf2c11"')
  })
})
