import { parseProviderOptions, ProviderOptionsError } from "../../base/options"
import { digitalRiverOptionsSchema } from "../service"

const valid = { backendUrl: "https://shop.example", returnUrl: "https://shop.example/return", secretKey: "sk_test_x", signingSecrets: ["s1"] }

describe("Digital River provider options", () => {
  it("fills the defaults", () => {
    const options = parseProviderOptions("digitalriver", digitalRiverOptionsSchema, valid)
    expect(options).toMatchObject({ environment: "test", signatureToleranceSeconds: 300, signedPayload: "timestamp", registerWebhook: false, timeoutMs: 15_000 })
    expect(options.currencies).toContain("eur")
  })

  it("says what is missing, one line per field, without echoing secrets", () => {
    let error: unknown
    try {
      parseProviderOptions("digitalriver", digitalRiverOptionsSchema, { ...valid, secretKey: undefined, signingSecrets: [], currencies: ["KWD"] })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ProviderOptionsError)
    const problems = (error as ProviderOptionsError).problems.join("\n")
    expect(problems).toMatch(/secretKey: required: the confidential API key/)
    expect(problems).toMatch(/signingSecrets: required: the webhook signing secret/)
    expect(problems).toMatch(/currencies.0: Digital River amounts have at most 2 decimals/)
    expect(problems).not.toMatch(/s1/)
  })
})
