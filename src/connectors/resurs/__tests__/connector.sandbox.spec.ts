/**
 * The Resurs connector against the PSP sandbox over HTTP, for what is Resurs's own: OAuth2 token
 * reuse and refresh, the wire format of payments and line operations (our key as transactionId,
 * hashed when too long), the store's currency, cancels, and the classification of failures
 * (refused, authentication, rate limited, unknown outcome). What every connector must do is in
 * conformance.sandbox.spec.ts.
 */
import axios from "axios"
import { startSandbox, type Sandbox } from "../../../../sandbox/src"
import {
  PspAuthenticationError,
  PspRateLimitedError,
  PspRequestRejectedError,
  PspUnknownOutcomeError,
} from "../../errors"
import { fitKey } from "../../keys"
import { findPspAction } from "../../matching"
import type { ResursConnector } from ".."
import { decide, resursConnector, resursSandboxOptions, SHIPPING, SHIRTS } from "./fixtures"

jest.setTimeout(30_000)

type Logged = { method: string; endpoint?: string; status?: number; body: Record<string, unknown> }

describe("ResursConnector against the sandbox", () => {
  let sandbox: Sandbox
  const control = () => axios.create({ baseURL: sandbox.url, validateStatus: () => true })
  const requests = async (endpoint?: string): Promise<Logged[]> =>
    (await control().get(`/_sandbox/requests?psp=resurs${endpoint ? `&endpoint=${endpoint}` : ""}`)).data
  const fault = async (rule: Record<string, unknown>) => {
    const answer = await control().post("/_sandbox/faults", { psp: "resurs", ...rule })
    expect(answer.status).toBeLessThan(300)
  }

  const approvedPayment = async (resurs: ResursConnector) => {
    const created = await resurs.createCheckout({
      key: "payses_test",
      orderReference: "cart_01TEST",
      currency: "sek",
      amount: 135_700n,
      lines: [SHIRTS, SHIPPING],
      returnUrls: { success: "http://shop.test/ok", fail: "http://shop.test/fail" },
      callbackUrl: "http://127.0.0.1:9/hooks/psp/resurs_resurs",
    })
    await decide(sandbox, created.pspReference)
    return created
  }
  const oneShirt = { ...SHIRTS, quantity: 1, totalAmount: 64_900n }

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, resurs: { ...resursSandboxOptions, tokenLifetimeSeconds: 600 }, callbackRetry: { maxAttempts: 1 } })
  })
  afterAll(() => sandbox.close())
  beforeEach(() => control().post("/_sandbox/reset"))

  it("declares what Resurs can do, in the store's currency", () => {
    expect(resursConnector(sandbox, "nok").capabilities).toEqual({
      moneyBy: "lines",
      settlement: "synchronous",
      cancel: "lines",
      echoesKey: { maxLength: 50 },
      currencies: ["nok"],
    })
    expect(resursConnector(sandbox, "sek", { currency: "SEK" }).capabilities.currencies).toEqual(["sek"])
    expect(() => resursConnector(sandbox, "sek", { currency: "kwd" })).toThrow(/at most 2 decimals/)
  })

  it("creates a payment with exact decimal lines and reads it back in minor units", async () => {
    const resurs = resursConnector(sandbox)
    const created = await approvedPayment(resurs)
    expect(created.redirectUrl).toContain(`/resurs/hosted/payments/${created.pspReference}`)
    const payment = await resurs.getPayment(created.pspReference, "sek")
    expect(payment).toMatchObject({ state: "authorized", totalAmount: 135_700n, authorizedAmount: 135_700n, capturedAmount: 0n })
    const [create] = await requests("create-payment")
    const orderLines = (create.body.order as { orderLines: Array<{ totalAmountIncludingVat: number }> }).orderLines
    expect(orderLines.map((line) => line.totalAmountIncludingVat)).toEqual([1298, 59])
  })

  it("refuses, without a request, a cart or an operation in another currency than the store's", async () => {
    const resurs = resursConnector(sandbox)
    const created = await approvedPayment(resurs)
    const before = (await requests()).length
    await expect(
      resurs.createCheckout({
        key: "payses_eur",
        orderReference: "cart_eur",
        currency: "eur",
        amount: 5_900n,
        lines: [SHIPPING],
        returnUrls: { success: "http://shop.test/ok", fail: "http://shop.test/fail" },
        callbackUrl: "http://127.0.0.1:9/hooks",
      })
    ).rejects.toThrow(/takes SEK only \(got EUR\)/)
    await expect(resurs.capture(created.pspReference, { key: "capt_eur", currency: "eur", amount: 5_900n, lines: [SHIPPING] })).rejects.toBeInstanceOf(
      PspRequestRejectedError
    )
    expect(await requests()).toHaveLength(before)
  })

  it("gets one token for many concurrent requests, and logs in again once Resurs says it expired", async () => {
    const resurs = resursConnector(sandbox)
    const created = await approvedPayment(resurs)
    await Promise.all(Array.from({ length: 20 }, () => resurs.getPayment(created.pspReference, "sek")))
    expect(await requests("token")).toHaveLength(1)

    // the sandbox's clock runs past the token's life (ours does not: the refresh margin is unit-tested)
    await control().post("/_sandbox/clock/advance", { seconds: 700 })
    expect((await resurs.getPayment(created.pspReference, "sek")).state).toBe("authorized")
    expect(await requests("token")).toHaveLength(2)
  })

  it("captures with one POST and no read, our key as transactionId, and names the action it made", async () => {
    const resurs = resursConnector(sandbox)
    const created = await approvedPayment(resurs)
    const before = (await requests()).length
    const outcome = await resurs.capture(created.pspReference, { key: "capt_1", currency: "sek", amount: 64_900n, lines: [oneShirt] })

    const sent = (await requests()).slice(before)
    expect(sent.map((request) => [request.method, request.endpoint])).toEqual([["POST", "capture"]])
    expect(sent[0].body).toEqual({
      orderLines: [expect.objectContaining({ reference: "SHIRT", quantity: 1, totalAmountIncludingVat: 649 })],
      creator: "connector-test",
      transactionId: "capt_1",
    })
    const action = outcome.payment?.actions.find((candidate) => candidate.kind === "capture")
    expect(outcome).toMatchObject({ status: "succeeded", pspOperationIds: [action?.id], payment: { capturedAmount: 64_900n } })
    expect(action).toEqual(
      expect.objectContaining({ status: "succeeded", key: "capt_1", amount: 64_900n, lines: [{ reference: "SHIRT", quantity: 1, amount: 64_900n }] })
    )
  })

  it("sends a key longer than transactionId holds as its hash, never a prefix: two such keys stay two", async () => {
    const resurs = resursConnector(sandbox)
    const created = await approvedPayment(resurs)
    const shared = `capture:fulfillment:ful_${"0".repeat(26)}` // 50 characters in common
    const first = `${shared}:a`
    const second = `${shared}:b`
    const one = await resurs.capture(created.pspReference, { key: first, currency: "sek", amount: 64_900n, lines: [oneShirt] })
    const two = await resurs.capture(created.pspReference, { key: second, currency: "sek", amount: 64_900n, lines: [oneShirt] })

    const sent = (await requests("capture")).map((request) => request.body.transactionId)
    expect(sent).toEqual([fitKey(first, 50), fitKey(second, 50)])
    expect(sent.every((id) => typeof id === "string" && id.length <= 50 && !shared.startsWith(id))).toBe(true)
    expect(one.pspOperationIds).not.toEqual(two.pspOperationIds)
    const payment = await resurs.getPayment(created.pspReference, "sek")
    expect(findPspAction(payment, "capture", first, resurs.capabilities, [])?.id).toBe(one.pspOperationIds[0])
    expect(findPspAction(payment, "capture", second, resurs.capabilities, [])?.id).toBe(two.pspOperationIds[0])
  })

  it("reports an over-capture as Resurs's refusal", async () => {
    const resurs = resursConnector(sandbox)
    const created = await approvedPayment(resurs)
    await resurs.capture(created.pspReference, { key: "capt_1", currency: "sek", amount: 64_900n, lines: [oneShirt] })
    await expect(resurs.capture(created.pspReference, { key: "capt_2", currency: "sek", amount: 129_800n, lines: [SHIRTS] })).rejects.toBeInstanceOf(
      PspRequestRejectedError
    )
  })

  it("cancels what is left after a partial capture, naming the CANCEL entry; a second cancel is Resurs's refusal", async () => {
    const resurs = resursConnector(sandbox)
    const created = await approvedPayment(resurs)
    await resurs.capture(created.pspReference, { key: "capt_1", currency: "sek", amount: 64_900n, lines: [oneShirt] })
    const canceled = await resurs.cancel(created.pspReference, { key: "cancel_1", currency: "sek" })
    const [cancel] = (await requests("cancel")).map((request) => request.body)
    expect(cancel).toEqual({ creator: "connector-test" }) // no lines: everything left; Resurs keeps no transactionId on cancels
    const entry = canceled.payment?.actions.find((action) => action.kind === "cancel")
    expect(canceled).toMatchObject({
      status: "succeeded",
      pspOperationIds: [entry?.id],
      payment: { state: "captured", authorizedAmount: 0n, capturedAmount: 64_900n, canceledAmount: 70_800n },
    })
    expect(findPspAction(canceled.payment!, "cancel", "cancel_1", resurs.capabilities, canceled.pspOperationIds)?.amount).toBe(70_800n)

    // Resurs answers an error that does not say "nothing left" in any documented way: a refusal
    const again = await resurs.cancel(created.pspReference, { key: "cancel_2", currency: "sek" }).catch((error: unknown) => error)
    expect(again).toBeInstanceOf(PspRequestRejectedError)
    expect((await resurs.getPayment(created.pspReference, "sek")).actions.filter((action) => action.kind === "cancel")).toHaveLength(1)
  })

  it("cancels named lines only", async () => {
    const resurs = resursConnector(sandbox)
    const created = await approvedPayment(resurs)
    const canceled = await resurs.cancel(created.pspReference, { key: "cancel_ship", currency: "sek", lines: [SHIPPING] })
    expect(canceled.payment).toMatchObject({ state: "authorized", authorizedAmount: 129_800n, canceledAmount: 5_900n })
  })

  it("reports refused credentials as an authentication error that names no secret", async () => {
    const resurs = resursConnector(sandbox, "sek", { clientSecret: "wrong-secret-value" })
    const error = await resurs.getPayment("anything", "sek").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PspAuthenticationError)
    expect(String((error as Error).message)).toMatch(/invalid_client/)
    expect(String((error as Error).message)).not.toContain("wrong-secret-value")
  })

  it("treats a 503 or a lost answer on a capture as an unknown outcome; a read is retried", async () => {
    const resurs = resursConnector(sandbox)
    const created = await approvedPayment(resurs)
    await fault({ method: "POST", endpoint: "capture", effect: "error", status: 503, times: 1 })
    await expect(resurs.capture(created.pspReference, { key: "capt_u", currency: "sek", amount: 135_700n })).rejects.toBeInstanceOf(
      PspUnknownOutcomeError
    )
    expect(await requests("capture")).toHaveLength(1) // a write that may have been applied is never repeated here
    await fault({ method: "POST", endpoint: "capture", effect: "drop-response", times: 1 })
    await expect(resurs.capture(created.pspReference, { key: "capt_u", currency: "sek", amount: 135_700n })).rejects.toBeInstanceOf(
      PspUnknownOutcomeError
    )

    await fault({ method: "GET", endpoint: "get-payment", effect: "error", status: 502, times: 1 })
    const payment = await resurs.getPayment(created.pspReference, "sek")
    // the dropped answer hid an applied capture: the engine finds it by key instead of capturing again
    expect(payment.capturedAmount).toBe(135_700n)
    expect(findPspAction(payment, "capture", "capt_u", resurs.capabilities, [])).toMatchObject({ amount: 135_700n, status: "succeeded" })
  })

  it("gives up on a 429 once the retry budget is spent: rate limited, not refused, nothing applied", async () => {
    const resurs = resursConnector(sandbox)
    const created = await approvedPayment(resurs)
    await fault({ method: "POST", endpoint: "capture", effect: "error", status: 429, retryAfterSeconds: 0, times: 3 })
    const error = await resurs.capture(created.pspReference, { key: "capt_r", currency: "sek", amount: 64_900n, lines: [oneShirt] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PspRateLimitedError)
    expect(error).not.toBeInstanceOf(PspRequestRejectedError)
    expect((error as PspRateLimitedError).retryAfterSeconds).toBe(0)
    const attempts = await requests("capture")
    expect(attempts.map((request) => [request.status, request.body.transactionId])).toEqual([
      [429, "capt_r"],
      [429, "capt_r"],
      [429, "capt_r"],
    ])
    expect((await resurs.getPayment(created.pspReference, "sek")).capturedAmount).toBe(0n)
  })

  it("does not retry sooner than a 429's Retry-After asks: it gives up at once with that delay", async () => {
    const resurs = resursConnector(sandbox)
    const created = await approvedPayment(resurs)
    await fault({ method: "POST", endpoint: "refund", effect: "error", status: 429, retryAfterSeconds: 30, times: 1 })
    await resurs.capture(created.pspReference, { key: "capt_1", currency: "sek", amount: 64_900n, lines: [oneShirt] })
    const error = await resurs.refund(created.pspReference, { key: "refund_1", currency: "sek", amount: 64_900n, lines: [oneShirt] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PspRateLimitedError)
    expect((error as PspRateLimitedError).retryAfterSeconds).toBe(30)
    expect(await requests("refund")).toHaveLength(1)
  })

  it("reports a 429 on the token endpoint as rate limited, not as refused credentials", async () => {
    const resurs = resursConnector(sandbox)
    await fault({ endpoint: "token", effect: "error", status: 429, retryAfterSeconds: 5, times: 1 })
    const error = await resurs.getPayment("anything", "sek").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PspRateLimitedError)
    expect((error as PspRateLimitedError).retryAfterSeconds).toBe(5)
  })
})
