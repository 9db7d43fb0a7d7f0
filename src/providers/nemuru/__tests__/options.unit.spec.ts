import { parseProviderOptions, ProviderOptionsError } from "../../base/options"
import { nemuruOptionsSchema } from "../service"

const base = {
  backendUrl: "https://shop.example",
  returnUrl: "https://shop.example/checkout/return",
  username: "api@shop.example",
  password: "p4ssw0rd-value",
  notificationSecret: "0123456789abcdef0123456789abcdef",
}

describe("Nemuru provider options", () => {
  it("fills defaults: transactional, autoconfirm, staging, instalments, the sandbox's paths", () => {
    expect(parseProviderOptions("nemuru", nemuruOptionsSchema, base)).toMatchObject({
      environment: "staging",
      transactional: true,
      autoConfirm: true,
      product: "instalments",
      paths: {},
      orderIdHeader: "Id",
      tokenRefreshMarginSeconds: 60,
      timeoutMs: 15_000,
    })
  })

  it("lists each missing or bad field on its own line, never echoing a secret", () => {
    let error: unknown
    try {
      parseProviderOptions("nemuru", nemuruOptionsSchema, {
        backendUrl: base.backendUrl,
        returnUrl: base.returnUrl,
        password: "top-secret-password",
        notificationSecret: "short-secret",
        transactional: "yes",
        paths: { capture: "https://elsewhere.example/capture" },
      })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ProviderOptionsError)
    const problems = (error as ProviderOptionsError).problems
    expect(problems.map((line) => line.split(":")[0]).sort()).toEqual(["notificationSecret", "paths.capture", "transactional", "username"])
    expect(problems.join("\n")).toMatch(/notificationSecret: must be at least 32 characters/)
    expect((error as Error).message).not.toContain("short-secret")
    expect((error as Error).message).not.toContain("top-secret-password")
  })
})
