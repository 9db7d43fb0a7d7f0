/**
 * The Resurs connector against the PSP sandbox over HTTP: OAuth2 token reuse and refresh, the
 * wire format of payments and line operations, de-duplication of a repeated key on Resurs's own
 * actionLog, and the classification of failures (refused, authentication, unknown outcome).
 */
import axios from "axios"
import { startSandbox, type Sandbox } from "../../../../sandbox/src"
import { PspAuthenticationError, PspRequestRejectedError, PspUnknownOutcomeError } from "../../errors"
import type { PspOrderLine } from "../../types"
import { ResursConnector, type ResursConnectorConfig } from ".."

jest.setTimeout(30_000)

const STORE_ID = "4c4f2b0c-5a0e-4b1e-9d55-0f7d4bbf2c11"
const METHOD_ID = "d2a5a3a6-8f5e-4f0b-9b6c-0f3a1d7c0001"

const lines: PspOrderLine[] = [
  { reference: "SHIRT", description: "Linen Shirt", kind: "product", quantity: 2, totalAmount: 129_800n, vatRate: "25" },
  { reference: "shipping", description: "Standard shipping", kind: "shipping", quantity: 1, totalAmount: 5_900n, vatRate: "25" },
]

describe("ResursConnector against the sandbox", () => {
  let sandbox: Sandbox
  const control = () => axios.create({ baseURL: sandbox.url, validateStatus: () => true })

  const connector = (overrides: Partial<ResursConnectorConfig> = {}) =>
    new ResursConnector({
      baseUrl: sandbox.baseUrls.resurs,
      clientId: "sandbox-resurs-client",
      clientSecret: "sandbox-resurs-secret",
      scope: "merchant-api",
      storeId: STORE_ID,
      paymentMethodId: METHOD_ID,
      handleFrozenPayments: true,
      timeToLiveInMinutes: 60,
      tokenRefreshMarginSeconds: 60,
      timeoutMs: 2_000,
      creator: "connector-test",
      retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
      ...overrides,
    })

  const approvedPayment = async (resurs: ResursConnector) => {
    const created = await resurs.createCheckout({
      key: "payses_test",
      orderReference: "cart_01TEST",
      currency: "sek",
      amount: 135_700n,
      lines,
      returnUrls: { success: "http://shop.test/ok", fail: "http://shop.test/fail" },
      callbackUrl: "http://127.0.0.1:9/hooks/psp/resurs_resurs",
    })
    expect((await control().post(`/_sandbox/resurs/payments/${created.pspReference}/decision`, { decision: "approve" })).status).toBe(200)
    return created
  }

  const tokenRequests = async () =>
    ((await control().get("/_sandbox/requests?psp=resurs&endpoint=token")).data as unknown[]).length

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, resurs: { tokenLifetimeSeconds: 600 }, callbackRetry: { maxAttempts: 1 } })
  })
  afterAll(() => sandbox.close())
  beforeEach(() => control().post("/_sandbox/reset"))

  it("creates a payment with exact decimal lines and reads it back in minor units", async () => {
    const resurs = connector()
    const created = await approvedPayment(resurs)
    expect(created.redirectUrl).toContain(`/resurs/hosted/payments/${created.pspReference}`)
    const payment = await resurs.getPayment(created.pspReference, "sek")
    expect(payment).toMatchObject({ state: "authorized", totalAmount: 135_700n, authorizedAmount: 135_700n, capturedAmount: 0n })
    const [create] = (await control().get("/_sandbox/requests?psp=resurs&endpoint=create-payment")).data
    expect(create.body.order.orderLines.map((line: { totalAmountIncludingVat: number }) => line.totalAmountIncludingVat)).toEqual([1298, 59])
  })

  it("gets one token for many concurrent requests, and logs in again once Resurs says it expired", async () => {
    const resurs = connector()
    const created = await approvedPayment(resurs)
    await Promise.all(Array.from({ length: 20 }, () => resurs.getPayment(created.pspReference, "sek")))
    expect(await tokenRequests()).toBe(1)

    // the sandbox's clock runs past the token's life (ours does not: the refresh margin is unit-tested)
    await control().post("/_sandbox/clock/advance", { seconds: 700 })
    expect((await resurs.getPayment(created.pspReference, "sek")).state).toBe("authorized")
    expect(await tokenRequests()).toBe(2)
  })

  it("captures lines once however often the same key is sent, and refuses an over-capture", async () => {
    const resurs = connector()
    const created = await approvedPayment(resurs)
    const shirt = { ...lines[0], quantity: 1, totalAmount: 64_900n }
    const first = await resurs.capture(created.pspReference, { key: "capt_1", currency: "sek", amount: 64_900n, lines: [shirt] })
    const again = await resurs.capture(created.pspReference, { key: "capt_1", currency: "sek", amount: 64_900n, lines: [shirt] })
    expect(first.capturedAmount).toBe(64_900n)
    expect(again.capturedAmount).toBe(64_900n)
    expect(again.actions.filter((action) => action.kind === "capture")).toEqual([
      expect.objectContaining({ key: "capt_1", amount: 64_900n, lines: [{ reference: "SHIRT", quantity: 1, amount: 64_900n }] }),
    ])

    const tooMuch = { ...lines[0], quantity: 2, totalAmount: 129_800n }
    await expect(resurs.capture(created.pspReference, { key: "capt_2", currency: "sek", amount: 129_800n, lines: [tooMuch] })).rejects.toBeInstanceOf(
      PspRequestRejectedError
    )
  })

  it("reports refused credentials as an authentication error that names no secret", async () => {
    const resurs = connector({ clientSecret: "wrong-secret-value" })
    const error = await resurs.getPayment("anything", "sek").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PspAuthenticationError)
    expect(String((error as Error).message)).toMatch(/invalid_client/)
    expect(String((error as Error).message)).not.toContain("wrong-secret-value")
  })

  it("treats a 503 or a lost answer on a capture as an unknown outcome, and a read is retried", async () => {
    const resurs = connector()
    const created = await approvedPayment(resurs)
    await control().post("/_sandbox/faults", { psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/capture", effect: "error", status: 503, times: 1 })
    await expect(resurs.capture(created.pspReference, { key: "capt_u", currency: "sek", amount: 135_700n })).rejects.toBeInstanceOf(
      PspUnknownOutcomeError
    )
    await control().post("/_sandbox/faults", { psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/capture", effect: "drop-response", times: 1 })
    await expect(resurs.capture(created.pspReference, { key: "capt_u", currency: "sek", amount: 135_700n })).rejects.toBeInstanceOf(
      PspUnknownOutcomeError
    )
    // the dropped answer hid an applied capture; sending the key again finds it instead of capturing twice
    const settled = await resurs.capture(created.pspReference, { key: "capt_u", currency: "sek", amount: 135_700n })
    expect(settled.actions.filter((action) => action.kind === "capture")).toHaveLength(1)

    await control().post("/_sandbox/faults", { psp: "resurs", method: "GET", path: "/resurs/v2/payments/*", effect: "error", status: 502, times: 1 })
    expect((await resurs.getPayment(created.pspReference, "sek")).capturedAmount).toBe(135_700n)
  })
})
