import { buttonTestIds, call, formAction, shopperView, startHarness, stopHarness, type Harness } from "./helpers"
import { RESURS_CLIENT, ResursTestClient } from "./resurs-client"

describe("Resurs MAPI simulator", () => {
  let harness: Harness
  let resurs: ResursTestClient

  beforeEach(async () => {
    harness = await startHarness({ resurs: { tokenLifetimeSeconds: 60 } })
    resurs = new ResursTestClient(harness.sandbox.baseUrls.resurs)
  })
  afterEach(() => stopHarness(harness))

  const authorizationCallback = (paymentId: string, status: string) =>
    harness.receiver.waitFor((callback) => callback.path === "/resurs/authorization" && callback.body?.paymentId === paymentId && callback.body?.status === status)

  describe("OAuth2 client credentials", () => {
    it("refuses a wrong secret the way Resurs does", async () => {
      const answer = await call(`${harness.sandbox.baseUrls.resurs}oauth2/token`, {
        form: { client_id: RESURS_CLIENT.client_id, client_secret: "wrong", grant_type: "client_credentials", scope: "merchant-api" },
      })
      expect(answer.status).toBe(401)
      expect(answer.body).toEqual({ error: "invalid_client" })
    })

    it("refuses another grant type", async () => {
      const answer = await call(`${harness.sandbox.baseUrls.resurs}oauth2/token`, { form: { ...RESURS_CLIENT, grant_type: "password" } })
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({ error: "unsupported_grant_type" })
    })

    it("issues a bearer token that expires after its configured lifetime", async () => {
      await resurs.login()
      expect((await resurs.request("GET", "v2/stores")).status).toBe(200)
      await call(`${harness.sandbox.url}/_sandbox/clock/advance`, { json: { seconds: 61 } })
      const expired = await resurs.request("GET", "v2/stores")
      expect(expired.status).toBe(401)
      expect(expired.body).toMatchObject({ code: "UNAUTHORIZED", message: expect.any(String), traceId: expect.any(String) })
    })

    it("answers 401 without a token", async () => {
      const answer = await call(`${harness.sandbox.baseUrls.resurs}v2/payments/whatever`)
      expect(answer.status).toBe(401)
    })
  })

  describe("create payment validation", () => {
    it("refuses an amount with more than two decimals, naming the field", async () => {
      const answer = await resurs.createPayment(harness.receiver.url, {
        orderLines: [{ description: "Pen", quantity: 1, vatRate: 25, totalAmountIncludingVat: 0.1 + 0.2, type: "NORMAL" }],
      })
      expect(answer.status).toBe(400)
      expect(answer.body.parameters).toEqual({ "order.orderLines[0].totalAmountIncludingVat": expect.stringContaining("at most 2 decimals") })
    })

    it("refuses automaticCapture together with handleFrozenPayments", async () => {
      const answer = await resurs.createPayment(harness.receiver.url, { options: { automaticCapture: true, handleFrozenPayments: true } })
      expect(answer.status).toBe(400)
      expect(Object.keys(answer.body.parameters)).toEqual(["options.automaticCapture"])
    })

    it("refuses a total outside the payment method's limits", async () => {
      const answer = await resurs.createPayment(harness.receiver.url, {
        orderLines: [{ description: "Gum", quantity: 1, vatRate: 12, totalAmountIncludingVat: 5, type: "NORMAL" }],
      })
      expect(answer.status).toBe(400)
    })
  })

  it("happy path: create → hosted page approve → AUTHORIZED callback → partial capture → partial refund", async () => {
    const created = await resurs.createPayment(harness.receiver.url)
    expect(created.status).toBe(200)
    expect(created.body).toMatchObject({ status: "TASK_REDIRECTION_REQUIRED", order: { totalOrderAmount: 1249.9, authorizedAmount: 0, possibleActions: [] } })
    const paymentId: string = created.body.id
    const customerUrl: string = created.body.taskRedirectionUrls.customerUrl
    expect(created.body.order.actionLog).toEqual([expect.objectContaining({ type: "CREATE" })])

    const page = await call(customerUrl)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toContain("text/html")
    expect(buttonTestIds(page.text)).toEqual(["approve", "decline", "hold", "abandon"])
    expect(page.text).toContain("1249.90")
    // the shopper reads words, not TASK_REDIRECTION_REQUIRED; the raw status is a small technical detail
    expect(shopperView(page.text)).toEqual({ outcome: "awaiting_payment", message: "Check your order and choose how to pay.", technicalStatus: "TASK_REDIRECTION_REQUIRED" })
    expect(page.text.split("TASK_REDIRECTION_REQUIRED")).toHaveLength(2)

    const submitted = await call(`${harness.sandbox.url}${formAction(page.text)}`, { form: { decision: "approve" } })
    expect(submitted.status).toBe(303)
    expect(submitted.headers.get("location")).toBe(`${harness.receiver.url}/shop/success`)
    const callback = await authorizationCallback(paymentId, "AUTHORIZED")
    expect(callback.method).toBe("POST")
    expect(callback.headers["content-type"]).toBe("application/json")
    expect(Object.keys(callback.body).sort()).toEqual(["created", "paymentId", "status"])

    expect(shopperView((await call(customerUrl)).text)).toMatchObject({ outcome: "approved", message: "Your payment is approved. You can return to the shop." })

    const accepted = await resurs.request("GET", `v2/payments/${paymentId}`)
    expect(accepted.body).toMatchObject({
      status: "ACCEPTED",
      taskRedirectionUrls: null,
      order: { authorizedAmount: 1249.9, capturedAmount: 0, possibleActions: ["CAPTURE", "PARTIAL_CAPTURE", "CANCEL", "PARTIAL_CANCEL"].map((action) => ({ action })) },
    })

    // one chair of two
    const chair = { description: "Chair", reference: "CHAIR-1", quantity: 1, quantityUnit: "st", vatRate: 25, totalAmountIncludingVat: 499.95, type: "PHYSICAL_GOODS" }
    const captured = await resurs.request("POST", `v2/payments/${paymentId}/capture`, { orderLines: [chair], transactionId: "cap-1", creator: "tests" })
    expect(captured.status).toBe(200)
    expect(captured.body.order).toMatchObject({ capturedAmount: 499.95, authorizedAmount: 749.95, refundedAmount: 0 })
    const captureAction = captured.body.order.actionLog.at(-1)
    expect(captureAction).toMatchObject({ type: "CAPTURE", transactionId: "cap-1", orderLines: [expect.objectContaining({ quantity: 1, totalAmountIncludingVat: 499.95 })] })
    const management = await harness.receiver.waitFor((received) => received.path === "/resurs/management" && received.body?.action === "CAPTURE")
    expect(management.body).toEqual({ paymentId, action: "CAPTURE", actionId: captureAction.actionId, created: expect.any(String) })

    // more chairs than are left is refused and changes nothing
    const overCapture = await resurs.request("POST", `v2/payments/${paymentId}/capture`, { orderLines: [{ ...chair, quantity: 2, totalAmountIncludingVat: 999.9 }] })
    expect(overCapture.status).toBe(400)
    expect(overCapture.body.parameters).toEqual({ "orderLines[0]": expect.stringContaining("exceeds") })

    const refunded = await resurs.request("POST", `v2/payments/${paymentId}/refund`, { orderLines: [{ ...chair, totalAmountIncludingVat: 100 , quantity: 0.2 }], transactionId: "ref-1" })
    expect(refunded.status).toBe(200)
    expect(refunded.body.order).toMatchObject({ capturedAmount: 499.95, refundedAmount: 100, possibleActions: expect.arrayContaining([{ action: "PARTIAL_REFUND" }]) })

    // refunding more than was captured is refused
    const overRefund = await resurs.request("POST", `v2/payments/${paymentId}/refund`, { orderLines: [{ ...chair, quantity: 0.5, totalAmountIncludingVat: 400 }] })
    expect(overRefund.status).toBe(400)

    // no lines: capture everything remaining (the other chair and the shipping)
    const rest = await resurs.request("POST", `v2/payments/${paymentId}/capture`, {})
    expect(rest.body.order).toMatchObject({ capturedAmount: 1249.9, authorizedAmount: 0 })
    expect(rest.body.order.possibleActions).toEqual([{ action: "REFUND" }, { action: "PARTIAL_REFUND" }])
    const nothingLeft = await resurs.request("POST", `v2/payments/${paymentId}/cancel`, {})
    expect(nothingLeft.status).toBe(400)

    const snapshot = await call(`${harness.sandbox.url}/_sandbox/resurs/payments/${paymentId}`)
    expect(snapshot.body.totals).toEqual({ total: "1249.90", authorized: "0.00", captured: "1249.90", refunded: "100.00", canceled: "0.00" })
    expect(snapshot.body.lines[0]).toMatchObject({ captured: { quantity: "2.000", amount: "999.90" }, refunded: { quantity: "0.200", amount: "100.00" } })
  })

  it("cancels part of the order, then captures the rest", async () => {
    const paymentId = (await resurs.createPayment(harness.receiver.url)).body.id
    await call(`${harness.sandbox.url}/_sandbox/resurs/payments/${paymentId}/decision`, { json: { decision: "approve" } })
    const canceled = await resurs.request("POST", `v2/payments/${paymentId}/cancel`, {
      orderLines: [{ description: "Shipping", reference: "SHIP", quantity: 1, vatRate: 25, totalAmountIncludingVat: 250, type: "SHIPPING" }],
    })
    expect(canceled.body.order).toMatchObject({ canceledAmount: 250, authorizedAmount: 999.9 })
    const captured = await resurs.request("POST", `v2/payments/${paymentId}/capture`, {})
    expect(captured.body.order).toMatchObject({ capturedAmount: 999.9, canceledAmount: 250, authorizedAmount: 0 })
    await harness.receiver.waitFor((callback) => callback.body?.action === "CANCEL")
  })

  it("modifies the order: cancel everything, add new lines, capped at the granted credit", async () => {
    const paymentId = (await resurs.createPayment(harness.receiver.url)).body.id
    await call(`${harness.sandbox.url}/_sandbox/resurs/payments/${paymentId}/decision`, { json: { decision: "approve" } })
    await resurs.request("POST", `v2/payments/${paymentId}/cancel`, {})
    const table = { description: "Table", reference: "TABLE-1", quantity: 1, vatRate: 25, totalAmountIncludingVat: 1249.91, type: "PHYSICAL_GOODS" }
    const tooMuch = await resurs.request("POST", `v2/payments/${paymentId}/order`, { orderLines: [table] })
    expect(tooMuch.status).toBe(400)
    const modified = await resurs.request("POST", `v2/payments/${paymentId}/order`, { orderLines: [{ ...table, totalAmountIncludingVat: 1000 }] })
    expect(modified.status).toBe(200)
    expect(modified.body.order).toMatchObject({ totalOrderAmount: 2249.9, canceledAmount: 1249.9, authorizedAmount: 1000 })
    expect(modified.body.order.actionLog.map((action: { type: string }) => action.type)).toEqual(["CREATE", "CANCEL", "MODIFY_ORDER"])
    const captured = await resurs.request("POST", `v2/payments/${paymentId}/capture`, {})
    expect(captured.body.order).toMatchObject({ capturedAmount: 1000, authorizedAmount: 0 })
  })

  it("has no idempotency: the same transactionId twice captures twice", async () => {
    const paymentId = (await resurs.createPayment(harness.receiver.url)).body.id
    await call(`${harness.sandbox.url}/_sandbox/resurs/payments/${paymentId}/decision`, { json: { decision: "approve" } })
    const line = { description: "Chair", reference: "CHAIR-1", quantity: 1, vatRate: 25, totalAmountIncludingVat: 499.95 }
    await resurs.request("POST", `v2/payments/${paymentId}/capture`, { orderLines: [line], transactionId: "same" })
    const second = await resurs.request("POST", `v2/payments/${paymentId}/capture`, { orderLines: [line], transactionId: "same" })
    expect(second.body.order.capturedAmount).toBe(999.9)
    expect(second.body.order.actionLog.filter((action: { transactionId?: string }) => action.transactionId === "same")).toHaveLength(2)
  })

  it("failure path: decline → fail URL, REJECTED callback, nothing can be captured", async () => {
    const created = await resurs.createPayment(harness.receiver.url)
    const paymentId = created.body.id
    const submitted = await call(created.body.taskRedirectionUrls.customerUrl, { form: { decision: "decline" } })
    expect(submitted.status).toBe(303)
    expect(submitted.headers.get("location")).toBe(`${harness.receiver.url}/shop/fail`)
    await authorizationCallback(paymentId, "REJECTED")
    const payment = await resurs.request("GET", `v2/payments/${paymentId}`)
    expect(payment.body).toMatchObject({ status: "REJECTED", rejectedReason: { category: "CREDIT_DENIED" } })
    expect((await resurs.request("GET", `v2/payments/${paymentId}/tasks/status`)).body.completed).toBe(true)
    expect((await resurs.request("POST", `v2/payments/${paymentId}/capture`, {})).status).toBe(400)
    // the page no longer offers the buttons
    const page = await call(created.body.taskRedirectionUrls.customerUrl)
    expect(buttonTestIds(page.text)).toEqual([])
    expect(shopperView(page.text)).toEqual({ outcome: "declined", message: "Your payment was declined. No money was taken.", technicalStatus: "REJECTED" })
  })

  it("abandon → REJECTED ABORTED_BY_CUSTOMER with the tasks not completed", async () => {
    const created = await resurs.createPayment(harness.receiver.url)
    const submitted = await call(created.body.taskRedirectionUrls.customerUrl, { form: { decision: "abandon" } })
    expect(submitted.headers.get("location")).toBe(`${harness.receiver.url}/shop/fail`)
    const payment = await resurs.request("GET", `v2/payments/${created.body.id}`)
    expect(payment.body.rejectedReason).toEqual({ category: "ABORTED_BY_CUSTOMER" })
    expect((await resurs.request("GET", `v2/payments/${created.body.id}/tasks/status`)).body.completed).toBe(false)
    expect(shopperView((await call(created.body.taskRedirectionUrls.customerUrl)).text).outcome).toBe("canceled")
  })

  it("hold → FROZEN (success URL, FROZEN callback), then release → ACCEPTED with an AUTHORIZED callback", async () => {
    const created = await resurs.createPayment(harness.receiver.url)
    const paymentId = created.body.id
    const submitted = await call(created.body.taskRedirectionUrls.customerUrl, { form: { decision: "hold" } })
    expect(submitted.headers.get("location")).toBe(`${harness.receiver.url}/shop/success`)
    await authorizationCallback(paymentId, "FROZEN")
    expect(shopperView((await call(created.body.taskRedirectionUrls.customerUrl)).text)).toMatchObject({ outcome: "in_review", technicalStatus: "FROZEN" })
    expect((await resurs.request("POST", `v2/payments/${paymentId}/capture`, {})).status).toBe(400)
    expect((await resurs.request("GET", `v2/payments/${paymentId}`)).body.order.possibleActions).toEqual([])

    const released = await call(`${harness.sandbox.url}/_sandbox/resurs/payments/${paymentId}/release`, { method: "POST" })
    expect(released.body.status).toBe("ACCEPTED")
    await authorizationCallback(paymentId, "AUTHORIZED")
    expect((await resurs.request("POST", `v2/payments/${paymentId}/capture`, {})).status).toBe(200)
  })

  it("a frozen payment can be rejected instead", async () => {
    const paymentId = (await resurs.createPayment(harness.receiver.url)).body.id
    await call(`${harness.sandbox.url}/_sandbox/resurs/payments/${paymentId}/decision`, { json: { decision: "hold" } })
    const rejected = await call(`${harness.sandbox.url}/_sandbox/resurs/payments/${paymentId}/reject`, { method: "POST" })
    expect(rejected.body).toMatchObject({ status: "REJECTED", rejectedReason: "PAYMENT_FROZEN" })
    await authorizationCallback(paymentId, "REJECTED")
  })

  it("without handleFrozenPayments a hold is rejected with PAYMENT_FROZEN", async () => {
    const paymentId = (await resurs.createPayment(harness.receiver.url, { options: { handleFrozenPayments: false } })).body.id
    const decided = await call(`${harness.sandbox.url}/_sandbox/resurs/payments/${paymentId}/decision`, { json: { decision: "hold" } })
    expect(decided.body).toMatchObject({ status: "REJECTED", rejectedReason: "PAYMENT_FROZEN", redirectTo: `${harness.receiver.url}/shop/fail` })
  })

  it("a credit decision fault turns the next approval into a rejection", async () => {
    await call(`${harness.sandbox.url}/_sandbox/resurs/credit-decision`, { json: { outcome: "rejected", times: 1 } })
    const first = (await resurs.createPayment(harness.receiver.url)).body
    const submitted = await call(first.taskRedirectionUrls.customerUrl, { form: { decision: "approve" } })
    expect(submitted.headers.get("location")).toBe(`${harness.receiver.url}/shop/fail`)
    expect((await resurs.request("GET", `v2/payments/${first.id}`)).body.rejectedReason).toEqual({ category: "CREDIT_DENIED" })
    const second = (await resurs.createPayment(harness.receiver.url)).body
    await call(second.taskRedirectionUrls.customerUrl, { form: { decision: "approve" } })
    expect((await resurs.request("GET", `v2/payments/${second.id}`)).body.status).toBe("ACCEPTED")
  })

  it("automaticCapture captures everything on approval and calls back CAPTURED", async () => {
    const paymentId = (await resurs.createPayment(harness.receiver.url, { options: { automaticCapture: true, handleFrozenPayments: false } })).body.id
    await call(`${harness.sandbox.url}/_sandbox/resurs/payments/${paymentId}/decision`, { json: { decision: "approve" } })
    await authorizationCallback(paymentId, "CAPTURED")
    expect((await resurs.request("GET", `v2/payments/${paymentId}`)).body.order).toMatchObject({ capturedAmount: 1249.9, authorizedAmount: 0 })
  })

  it("a payment the shopper never completes expires after timeToLiveInMinutes", async () => {
    const created = (await resurs.createPayment(harness.receiver.url, { options: { timeToLiveInMinutes: 5 } })).body
    await call(`${harness.sandbox.url}/_sandbox/clock/advance`, { json: { seconds: 301 } })
    await resurs.login()
    const payment = await resurs.request("GET", `v2/payments/${created.id}`)
    expect(payment.body).toMatchObject({ status: "REJECTED", rejectedReason: { category: "TIMEOUT" } })
    await authorizationCallback(created.id, "REJECTED")
  })

  it("finds payments by order reference", async () => {
    const created = (await resurs.createPayment(harness.receiver.url)).body
    const found = await resurs.request("POST", "v2/payments/search", { storeId: created.storeId, orderReference: created.order.orderReference })
    expect(found.body.content.map((payment: { id: string }) => payment.id)).toEqual([created.id])
  })

  it("answers unknown payments and paths with the MAPI error shape", async () => {
    const missing = await resurs.request("GET", "v2/payments/00000000-0000-0000-0000-000000000000")
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ code: "NOT_FOUND", traceId: expect.any(String), timestamp: expect.any(String) })
    expect((await resurs.request("GET", "v2/nothing-here")).status).toBe(404)
  })
})
