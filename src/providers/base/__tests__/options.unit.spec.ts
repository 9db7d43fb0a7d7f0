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
    expect(fields).toEqual(["backendUrl", "clientId", "currency", "paymentMethodId", "returnUrl", "storeId", "timeToLiveInMinutes"])
    expect(error.problems).toContain(
      "currency: required: the currency of your Resurs store (SEK in Sweden, NOK in Norway, DKK in Denmark, EUR in Finland)"
    )
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
      currency: "SEK",
    })
    expect(options).toMatchObject({ currency: "sek", environment: "test", scope: "merchant-api", handleFrozenPayments: true, timeToLiveInMinutes: 120, timeoutMs: 15000 })
  })
})

describe("Resurs currency option", () => {
  const base = {
    backendUrl: "https://api.shop.se",
    returnUrl: "https://shop.se/return",
    clientId: "id",
    clientSecret: "secret",
    storeId: "store",
    paymentMethodId: "method",
  }
  const problems = (currency: unknown) => {
    try {
      parseProviderOptions("resurs", resursOptionsSchema, { ...base, currency })
      return []
    } catch (e) {
      return (e as ProviderOptionsError).problems
    }
  }

  it("takes an ISO 4217 code in any case, kept in lower case", () => {
    expect(parseProviderOptions("resurs", resursOptionsSchema, { ...base, currency: " nok " }).currency).toBe("nok")
    expect(parseProviderOptions("resurs", resursOptionsSchema, { ...base, currency: "EUR" }).currency).toBe("eur")
  })

  it("refuses what is not a currency, or one Resurs cannot carry in 2 decimals", () => {
    expect(problems("kronor")).toEqual([expect.stringMatching(/^currency: required: the currency of your Resurs store .*ISO 4217/)])
    expect(problems("KWD")).toEqual([expect.stringMatching(/^currency: Resurs amounts have at most 2 decimals/)])
    expect(problems("XYZ")).toHaveLength(1)
  })
})

describe("fillUrlTemplate", () => {
  it("fills known placeholders, encoded, and leaves unknown ones", () => {
    expect(fillUrlTemplate("https://s/r?c={cart_id}&x={other}", { cart_id: "cart 1&2" })).toBe("https://s/r?c=cart%201%262&x={other}")
  })
})
