import { ProviderOptionsError, parseProviderOptions } from "../../base/options"
import { cmOptionsSchema } from "../service"

const valid = {
  backendUrl: "https://api.shop.nl",
  returnUrl: "https://shop.nl/return?cart_id={cart_id}",
  merchantName: "shop",
  merchantPassword: "s3cr3t-value",
  merchantKey: "key-1",
}

const problems = (options: Record<string, unknown>): string[] => {
  try {
    parseProviderOptions("cm", cmOptionsSchema, options)
    return []
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderOptionsError)
    expect((error as Error).message).not.toContain("s3cr3t-value")
    return (error as ProviderOptionsError).problems
  }
}

describe("CM.com provider options", () => {
  it("fills the defaults", () => {
    expect(parseProviderOptions("cm", cmOptionsSchema, valid)).toMatchObject({
      environment: "test",
      language: "en",
      defaultCountry: "NL",
      currencies: ["eur"],
      expiryMinutes: 120,
      capturedOnAuthorization: ["GIFTCARD", "IDEAL"],
      refundDescription: "Refund",
      timeoutMs: 15000,
    })
  })

  it("names each missing credential, and a misspelled option", () => {
    const found = problems({ backendUrl: valid.backendUrl, returnUrl: valid.returnUrl, merchantPasword: "s3cr3t-value" })
    expect(found.map((line) => line.split(":")[0]).sort()).toEqual(["merchantKey", "merchantName", "merchantPassword", "merchantPasword"])
    expect(found).toContain('merchantPasword: unknown option; did you mean "merchantPassword"?')
  })

  it("takes an http or local baseUrl only with environment sandbox", () => {
    const local = { ...valid, baseUrl: "http://127.0.0.1:4010/cm/ps/api/public/v1/merchants/" }
    expect(problems(local)).toEqual([expect.stringMatching(/^baseUrl: must be an https URL of the PSP/)])
    expect(problems({ ...local, environment: "sandbox" })).toEqual([])
    expect(problems({ ...valid, environment: "sandbox" })).toEqual([expect.stringMatching(/^baseUrl: required with environment "sandbox"/)])
  })

  it("refuses a language, country or currency that is not a code", () => {
    expect(problems({ ...valid, language: "English", defaultCountry: "nl", currencies: ["euro"] }).map((line) => line.split(":")[0]).sort()).toEqual([
      "currencies.0",
      "defaultCountry",
      "language",
    ])
  })
})
