import { ProviderOptionsError, fillUrlTemplate, parseProviderOptions } from "../options"
import { resursOptionsSchema } from "../../resurs/service"

describe("provider options", () => {
  it("lists every missing or bad field on its own line", () => {
    const error = (() => {
      try {
        parseProviderOptions("resurs", resursOptionsSchema, { backendUrl: "not a url", clientSecret: "s3cr3t-value", timeToLiveInMinutes: 0 })
      } catch (e) {
        return e as ProviderOptionsError
      }
      throw new Error("expected a ProviderOptionsError")
    })()
    expect(error).toBeInstanceOf(ProviderOptionsError)
    const fields = error.problems.map((line) => line.split(":")[0]).sort()
    expect(fields).toEqual(["backendUrl", "clientId", "paymentMethodId", "returnUrl", "storeId", "timeToLiveInMinutes"])
    expect(error.message).toMatch(/^Invalid options for payment provider "resurs":\n  - /)
    expect(error.message).not.toContain("s3cr3t-value")
  })

  it("fills defaults", () => {
    const options = parseProviderOptions("resurs", resursOptionsSchema, {
      backendUrl: "https://api.shop.se",
      returnUrl: "https://shop.se/return?cart_id={cart_id}",
      clientId: "id",
      clientSecret: "secret",
      storeId: "store",
      paymentMethodId: "method",
    })
    expect(options).toMatchObject({ environment: "test", scope: "merchant-api", handleFrozenPayments: true, timeToLiveInMinutes: 120, timeoutMs: 15000 })
  })
})

describe("fillUrlTemplate", () => {
  it("fills known placeholders, encoded, and leaves unknown ones", () => {
    expect(fillUrlTemplate("https://s/r?c={cart_id}&x={other}", { cart_id: "cart 1&2" })).toBe("https://s/r?c=cart%201%262&x={other}")
  })
})
