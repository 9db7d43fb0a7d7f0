import { ProviderOptionsError, fillUrlTemplate, parseProviderOptions } from "../options"
import { ResursProvider, resursOptionsSchema } from "../../resurs/service"

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

/** A complete set of Resurs options, currency aside. */
const base = {
  backendUrl: "https://api.shop.se",
  returnUrl: "https://shop.se/return",
  clientId: "id",
  clientSecret: "secret",
  storeId: "store",
  paymentMethodId: "method",
}

describe("Resurs currency option", () => {
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

describe("misspelled and dangerous options stop the boot with one clear line each", () => {
  const valid = { ...base, clientSecret: "s3cr3t-value", currency: "SEK" }
  const problems = (options: Record<string, unknown>): string[] => {
    try {
      parseProviderOptions("resurs", resursOptionsSchema, options)
    } catch (error) {
      expect((error as Error).message).not.toContain("s3cr3t-value")
      return (error as ProviderOptionsError).problems
    }
    return []
  }

  it("names an unknown key and the known one it was probably meant to be", () => {
    expect(problems({ ...valid, baseURL: "https://merchant-api.resurs.com/" })).toEqual(['baseURL: unknown option; did you mean "baseUrl"?'])
    expect(problems({ ...valid, clientSecrett: "x" })).toEqual(['clientSecrett: unknown option; did you mean "clientSecret"?'])
    expect(problems({ ...valid, colour: "blue" })).toEqual(["colour: unknown option"])
  })

  it.each([
    ["http://169.254.169.254/", /link-local/],
    ["http://user:pw@merchant-api.resurs.com/", /user name or password/],
    ["http://127.0.0.1:22/", /https URL of the PSP/],
    ["https://localhost/", /https URL of the PSP/],
    ["https://10.0.0.5/", /https URL of the PSP/],
    ["http://merchant-api.resurs.com/", /https URL of the PSP/],
    ["file:///etc/passwd", /http/],
  ])("refuses baseUrl %s", (baseUrl, message) => {
    const lines = problems({ ...valid, baseUrl })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^baseUrl: /)
    expect(lines[0]).toMatch(message)
  })

  it("refuses a backendUrl on the metadata address or with credentials; http only for a local host", () => {
    expect(problems({ ...valid, backendUrl: "http://169.254.169.254/latest" })).toEqual([
      "backendUrl: must not point at a link-local address such as the cloud metadata service",
    ])
    expect(problems({ ...valid, backendUrl: "https://admin:pw@api.shop.se" })[0]).toMatch(/^backendUrl: must not carry a user name/)
    expect(problems({ ...valid, backendUrl: "http://api.shop.se" })[0]).toMatch(/^backendUrl: must be https/)
    expect(problems({ ...valid, backendUrl: "http://localhost:9000" })).toEqual([])
  })

  it("a provider explicitly pointed at a simulator may use http and local hosts, and must say where", () => {
    expect(problems({ ...valid, environment: "sandbox", baseUrl: "http://127.0.0.1:4010/resurs/", backendUrl: "http://localhost:9000" })).toEqual([])
    expect(problems({ ...valid, environment: "sandbox" })).toEqual(['baseUrl: required with environment "sandbox": the URL of the PSP simulator'])
    expect(problems({ ...valid, environment: "sandbox", baseUrl: "http://169.254.169.254/" })[0]).toMatch(/link-local/)
  })
})

describe("at boot", () => {
  it("Medusa's call to validateOptions stops the boot on a misspelled key, naming it", () => {
    const options = { ...base, currency: "SEK" }
    expect(() => ResursProvider.validateOptions({ ...options, baseURL: "https://merchant-api.resurs.com/" })).toThrow(
      /Invalid options for payment provider "resurs":\n  - baseURL: unknown option; did you mean "baseUrl"\?$/
    )
    expect(() => ResursProvider.validateOptions({ ...options, environment: "sandbox", baseUrl: "http://127.0.0.1:4010/resurs/" })).not.toThrow()
  })
})
