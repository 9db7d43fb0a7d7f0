import fc from "fast-check"
import { callbackOutcomeLine, formatLogLine, MAX_LINE, operationOutcomeLine, type LoggedInstrument, type LoggedOperation } from "../log-lines"

const instrument: LoggedInstrument = {
  id: "pinst_1",
  provider_id: "pp_resurs_resurs",
  psp_reference: "res_9",
  payment_id: "pay_1",
  currency_code: "sek",
  metadata: { order_id: "order_1", checkout_lines: [] },
}
const capture = (status: string, error?: LoggedOperation["error"]): LoggedOperation => ({
  kind: "capture",
  status,
  idempotency_key: "capture:fulfillment:ful_1:pinst_1",
  origin: "fulfillment:ful_1",
  amount: "70800",
  psp_operation_ids: ["act_1"],
  error,
})

describe("formatLogLine", () => {
  it("writes `event key=value`, quoting values with spaces, leaving out empty fields", () => {
    expect(formatLogLine("payment capture succeeded", { order: "order_1", amount: "708.00 SEK", reason: 'said "no"', empty: "", none: undefined, zero: 0, flag: false })).toBe(
      'payment capture succeeded order=order_1 amount="708.00 SEK" reason="said \\"no\\"" zero=0 flag=false'
    )
  })

  it("never prints a field named like a secret, whatever its value", () => {
    const line = formatLogLine("psp callback stored", {
      password: "hunter2",
      clientSecret: "s3cr3t",
      token: "tok_abc",
      access_token: "tok_def",
      Authorization: "Basic Zm9vOmJhcg==",
      api_key: "sk_live_1",
      signingSecrets: "whsec_1",
      signature: "t=1,v0=abc",
      order: "order_1",
    })
    expect(line).toBe("psp callback stored order=order_1")
  })

  it("keeps any line bounded and on one printable line (forged input)", () => {
    fc.assert(
      fc.property(fc.string(), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())), (event, fields) => {
        const line = formatLogLine(event.slice(0, 40), fields)
        expect(line.length).toBeLessThanOrEqual(MAX_LINE)
        expect(line).toMatch(/^[\x20-\x7e…]*$/)
        for (const key of Object.keys(fields)) {
          if (/secret|password|token/i.test(key)) {
            expect(line).not.toContain(`${key}=`)
          }
        }
      })
    )
    const long = formatLogLine("psp callback rejected", { reason: "x".repeat(10_000), reference: "y\n".repeat(500) })
    expect(long.length).toBeLessThanOrEqual(MAX_LINE)
    expect(long).not.toContain("\n")
  })
})

describe("operationOutcomeLine", () => {
  it("a capture that succeeded: info, with order, payment, key, PSP reference and the amount in major units", () => {
    expect(operationOutcomeLine(instrument, capture("succeeded"), "requested")).toEqual({
      level: "info",
      text:
        "payment capture succeeded provider=pp_resurs_resurs order=order_1 payment=pay_1 instrument=pinst_1 psp_ref=res_9 " +
        "key=capture:fulfillment:ful_1:pinst_1 origin=fulfillment:ful_1 amount=\"708.00 SEK\" psp_operation=act_1 was=requested",
    })
  })

  it("no line when the status did not change", () => {
    expect(operationOutcomeLine(instrument, capture("accepted"), "accepted")).toBeUndefined()
  })

  it("levels: a refusal is business (info); unknown, lapsed and failed-after-acceptance need a look (warn); refused credentials need the shop (error)", () => {
    const level = (status: string, previous: string, error?: LoggedOperation["error"]) => operationOutcomeLine(instrument, capture(status, error), previous)?.level
    expect(level("accepted", "requested")).toBe("info")
    expect(level("failed", "requested", { code: "CREDIT_DENIED", message: "the lender said no" })).toBe("info")
    expect(level("failed", "accepted", { code: "psp_failed", message: "refund failed" })).toBe("warn")
    expect(level("lapsed", "accepted", { code: "psp_failed", message: "capture failed" })).toBe("warn")
    expect(level("unknown", "requested", { code: "unknown_outcome", message: "timeout of 15000ms" })).toBe("warn")
    expect(level("unknown", "requested", { code: "invalid_client", message: "resurs capture failed: HTTP 401" })).toBe("error")
    expect(operationOutcomeLine(instrument, capture("failed", { message: "x" }), "accepted")!.text).toMatch(/^payment capture failed_after_acceptance /)
  })
})

describe("callbackOutcomeLine", () => {
  it("levels: stored info, duplicates and ignored debug, rejected warn, not stored error", () => {
    expect(callbackOutcomeLine("stored", { provider: "pp_nemuru_nemuru", instrument, http: 200, event: "approved", verified: true })).toEqual({
      level: "info",
      text: "psp callback stored provider=pp_resurs_resurs order=order_1 payment=pay_1 instrument=pinst_1 psp_ref=res_9 http=200 event=approved verified=true",
    })
    expect(callbackOutcomeLine("duplicate", { instrument }).level).toBe("debug")
    expect(callbackOutcomeLine("ignored", { provider: "pp_cm_cm" }).level).toBe("debug")
    expect(callbackOutcomeLine("rejected", { provider: "pp_nemuru_nemuru", http: 401, reason: "wrong Authorization header", reference: "abc" })).toEqual({
      level: "warn",
      text: 'psp callback rejected provider=pp_nemuru_nemuru psp_ref=abc http=401 reason="wrong Authorization header"',
    })
    expect(callbackOutcomeLine("not_stored", { instrument, http: 503 }).level).toBe("error")
    expect(callbackOutcomeLine("sync_failed", { instrument: "pinst_1", reason: "boom" }).text).toBe("psp callback sync_failed instrument=pinst_1 reason=boom")
  })
})
