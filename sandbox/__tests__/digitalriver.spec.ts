import { startCallbackReceiver, type ReceivedCallback } from "../src"
import { DR_SIGNING_SECRET, DigitalRiverTestClient, schemaErrors, verifyDigitalRiverSignature } from "./digitalriver-client"
import { buttonTestIds, call, formAction, startHarness, stopHarness, type Harness } from "./helpers"

describe("Digital River simulator", () => {
  let harness: Harness
  let dr: DigitalRiverTestClient
  let control: string

  beforeEach(async () => {
    harness = await startHarness({ digitalriver: { settleDelayMs: 5 } })
    dr = new DigitalRiverTestClient(harness.sandbox.baseUrls.digitalriver)
    control = `${harness.sandbox.url}/_sandbox`
    expect((await dr.registerWebhook(`${harness.receiver.url}/dr/webhooks`)).status).toBe(201)
  })
  afterEach(() => stopHarness(harness))

  const event = (type: string, orderId?: string, extra: (callback: ReceivedCallback) => boolean = () => true) =>
    harness.receiver.waitFor(
      (callback) => callback.path === "/dr/webhooks" && callback.body?.type === type && (orderId === undefined || callback.body.data.object.orderId === orderId || callback.body.data.object.id === orderId) && extra(callback)
    )

  async function approvedOrder(decision: "approve" | "hold" = "approve"): Promise<string> {
    const session = await dr.createCheckoutSession(harness.receiver.url)
    const decided = await call(`${control}/digitalriver/checkout-sessions/${session.body.id}/decision`, { json: { decision } })
    return decided.body.orderId
  }

  async function itemId(orderId: string): Promise<string> {
    return (await dr.request("GET", `orders/${orderId}`)).body.items[0].id
  }

  describe("auth and validation", () => {
    it("answers 401 in DR's error shape without the secret key, or with another key", async () => {
      const anonymous = await call(`${harness.sandbox.baseUrls.digitalriver}orders/1`)
      expect(anonymous.status).toBe(401)
      expect(anonymous.body).toEqual({ type: "unauthorized", errors: [{ code: "unauthorized", message: "Unauthorized" }] })
      expect(schemaErrors("Errors", anonymous.body)).toEqual([])
      expect((await new DigitalRiverTestClient(harness.sandbox.baseUrls.digitalriver, "sk_test_other").request("GET", "orders/1")).status).toBe(401)
    })

    it("refuses an amount with more than two decimals, naming the parameter", async () => {
      const answer = await dr.createCheckoutSession(harness.receiver.url, { items: [{ productDetails: { name: "Pen" }, price: 0.1 + 0.2, quantity: 1 }] })
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({ type: "bad_request", errors: [{ code: "invalid_parameter", parameter: "items[0].price", message: expect.stringContaining("at most 2 decimals") }] })
    })

    it("tells missing from unknown parameters", async () => {
      const answer = await dr.request("POST", "fulfillments", { items: [{ itemId: "1", quantity: 1 }], carrier: "UPS" })
      expect(answer.status).toBe(400)
      expect(answer.body.errors).toEqual(
        expect.arrayContaining([
          { code: "missing_parameter", parameter: "orderId", message: expect.any(String) },
          { code: "unknown_parameter", parameter: "carrier", message: expect.any(String) },
        ])
      )
    })

    it("refuses decimals in a zero-decimal currency", async () => {
      const answer = await dr.createCheckoutSession(harness.receiver.url, { currency: "JPY", shippingChoice: undefined, items: [{ productDetails: { name: "Pen" }, price: 100.5, quantity: 1 }] })
      expect(answer.status).toBe(400)
      expect(answer.body.errors[0].parameter).toBe("items[0].price")
    })

    it("answers unknown orders with 404 not_found", async () => {
      const answer = await dr.request("GET", "orders/999")
      expect(answer.status).toBe(404)
      expect(answer.body).toMatchObject({ type: "not_found", errors: [{ code: "not_found" }] })
    })
  })

  it("happy path: checkout approve → order.accepted (signed) → partial fulfillment captures → cancel the rest → complete → partial refund", async () => {
    const session = await dr.createCheckoutSession(harness.receiver.url)
    expect(session.status).toBe(201)
    expect(schemaErrors("CreateDropInCheckoutTokenResponse", session.body)).toEqual([])
    expect(session.body).toEqual({ id: expect.any(String), link: expect.stringContaining("/digitalriver/hosted/checkout-sessions/"), liveMode: false })

    const page = await call(session.body.link)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toContain("text/html")
    expect(buttonTestIds(page.text)).toEqual(["approve", "decline", "hold", "abandon"])
    expect(page.text).toContain("1249.90")

    const submitted = await call(`${harness.sandbox.url}${formAction(page.text)}`, { form: { decision: "approve" } })
    expect(submitted.status).toBe(303)
    const location = new URL(submitted.headers.get("location")!)
    expect(`${location.origin}${location.pathname}`).toBe(`${harness.receiver.url}/shop/success`)
    expect(location.searchParams.get("checkoutSessionId")).toBe(session.body.id)
    const orderId = location.searchParams.get("orderId")!
    expect(orderId).toMatch(/^\d+$/)

    const accepted = await event("order.accepted", orderId)
    expect(accepted.headers["content-type"]).toBe("application/json")
    const signature = verifyDigitalRiverSignature(String(accepted.headers["digitalriver-signature"]), accepted.rawBody, DR_SIGNING_SECRET)
    expect(signature.valid).toBe(true)
    expect(Math.abs(signature.timestamp - Date.now() / 1000)).toBeLessThan(60)
    expect(verifyDigitalRiverSignature(String(accepted.headers["digitalriver-signature"]), accepted.rawBody.replace("accepted", "Accepted"), DR_SIGNING_SECRET).valid).toBe(false)
    expect(schemaErrors("Event", accepted.body)).toEqual([])
    expect(schemaErrors("Order", accepted.body.data.object)).toEqual([])
    await event("checkout_session.order.created", undefined, (callback) => callback.body.data.object.orderId === orderId)

    const order = await dr.request("GET", `orders/${orderId}`)
    expect(order.status).toBe(200)
    expect(schemaErrors("Order", order.body)).toEqual([])
    expect(order.body).toMatchObject({ state: "accepted", currency: "USD", totalAmount: 1249.9, subtotal: 999.9, totalShipping: 250, capturedAmount: 0, fraudState: "passed" })
    expect(order.body.payment.charges[0]).toMatchObject({ state: "capturable", amount: 1249.9, captures: [] })
    const chair = order.body.items[0]
    expect(chair).toMatchObject({ quantity: 2, amount: 999.9, state: "created" })

    // one chair ships: DR captures it, with the shipping
    const shipped = await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: chair.id, quantity: 1 }], trackingCompany: "UPS", trackingNumber: "1Z" })
    expect(shipped.status).toBe(201)
    expect(schemaErrors("Fulfillment", shipped.body)).toEqual([])
    expect(shipped.body).toMatchObject({ id: expect.stringMatching(/^ful_/), orderId, items: [{ itemId: chair.id, skuId: "sku-chair", quantity: 1, cancelQuantity: 0 }], liveMode: false })
    const captured = await event("order.charge.capture.complete", orderId)
    expect(schemaErrors("Charge", captured.body.data.object)).toEqual([])
    expect(captured.body.data.object).toMatchObject({ state: "capturable", captured: true, captures: [{ amount: 749.95, state: "complete", fulfillmentId: shipped.body.id }] })
    await event("fulfillment.created", undefined, (callback) => callback.body.data.object.id === shipped.body.id && callback.body.data.object.orderDetails.id === orderId)
    const fulfillment = await dr.request("GET", `fulfillments/${shipped.body.id}`)
    expect(schemaErrors("Fulfillment", fulfillment.body)).toEqual([])
    expect(fulfillment.body).toMatchObject({ trackingCompany: "UPS", chargeOperationIds: [captured.body.data.object.captures[0].id], orderDetails: { id: orderId } })
    expect(fulfillment.body.orderDetails.payment).toBeUndefined()

    // the other chair is cancelled: DR cancels its money, the order is fulfilled then complete
    const cancelled = await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: chair.id, cancelQuantity: 1 }] })
    expect(cancelled.status).toBe(201)
    const cancelEvent = await event("order.charge.cancel.complete", orderId)
    expect(cancelEvent.body.data.object.cancels).toEqual([expect.objectContaining({ amount: 499.95, state: "complete" })])
    await event("order.fulfilled", orderId)
    await event("order.complete", orderId)

    const again = await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: chair.id, quantity: 1 }] })
    expect(again.status).toBe(409)
    expect(again.body).toEqual({ type: "conflict", errors: [{ code: "order_fulfilled", parameter: "orderId", message: `Resource '${orderId}' is fulfilled.` }] })

    const complete = await dr.request("GET", `orders/${orderId}`)
    expect(complete.body).toMatchObject({ state: "complete", capturedAmount: 749.95, cancelledAmount: 499.95, availableToRefundAmount: 749.95, items: [{ state: "fulfilled", availableToRefundAmount: 499.95 }] })
    expect(complete.body.payment.charges[0].state).toBe("complete")

    // refund part of it
    const refund = await dr.request("POST", "refunds", { orderId, currency: "USD", amount: 100, reason: "damaged" })
    expect(refund.status).toBe(201)
    expect(schemaErrors("OrderRefund", refund.body)).toEqual([])
    expect(refund.body).toMatchObject({ id: expect.stringMatching(/^re_/), state: "pending", amount: 100, refundedAmount: 0 })
    const refunded = await event("refund.complete", orderId)
    expect(refunded.body.data.object).toMatchObject({ id: refund.body.id, state: "succeeded", refundedAmount: 100 })
    await event("order.charge.refund.complete", orderId)

    const tooMuch = await dr.request("POST", "refunds", { orderId, currency: "USD", amount: 649.96 })
    expect(tooMuch.status).toBe(400)
    expect(tooMuch.body).toEqual({
      type: "bad_request",
      errors: [{ code: "invalid_parameter", parameter: "amountRequested", message: "The requested refund amount is greater than the available amount." }],
    })
    const wrongCurrency = await dr.request("POST", "refunds", { orderId, currency: "EUR", amount: 1 })
    expect(wrongCurrency.body.errors[0].parameter).toBe("currency")

    const snapshot = await call(`${control}/digitalriver/orders/${orderId}`)
    expect(snapshot.body).toMatchObject({
      state: "complete",
      totals: { total: "1249.90", authorized: "0.00", captured: "749.95", cancelled: "499.95", refunded: "100.00", availableToRefund: "649.95" },
      lines: [
        { itemId: chair.id, quantity: 2, fulfilledQuantity: 1, cancelledQuantity: 1, captured: "499.95", cancelRequested: "499.95" },
        { itemId: "shipping", captureRequested: "250.00" },
      ],
    })
    const events = await dr.request("GET", "events?limit=100")
    expect(events.body.data.length).toBeGreaterThanOrEqual(9)
    for (const recorded of events.body.data) {
      expect(schemaErrors("Event", recorded)).toEqual([])
    }
  })

  it("refunds item quantities only from what was captured", async () => {
    const orderId = await approvedOrder()
    const chairId = await itemId(orderId)
    // nothing captured yet: nothing to refund
    expect((await dr.request("POST", "refunds", { orderId, currency: "USD", items: [{ itemId: chairId, quantity: 1 }] })).status).toBe(400)
    expect((await dr.request("POST", "refunds", { orderId, currency: "USD", amount: 1 })).body.errors[0].parameter).toBe("amountRequested")
    await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: chairId, quantity: 1 }] })
    await event("order.charge.capture.complete", orderId)
    const refund = await dr.request("POST", "refunds", { orderId, currency: "USD", items: [{ itemId: chairId, quantity: 1 }] })
    expect(refund.status).toBe(201)
    expect(refund.body.items).toEqual([expect.objectContaining({ itemId: chairId, quantity: 1, amount: 499.95 })])
    expect((await dr.request("POST", "refunds", { orderId, currency: "USD", items: [{ itemId: chairId, amount: 0.01 }] })).status).toBe(400)
  })

  it("refuses to fulfill more than is left on a line, and changes nothing", async () => {
    const orderId = await approvedOrder()
    const chairId = await itemId(orderId)
    const answer = await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: chairId, quantity: 2 }, { itemId: chairId, cancelQuantity: 1 }] })
    expect(answer.status).toBe(400)
    expect(answer.body.errors[0]).toMatchObject({ code: "invalid_quantity_amount", parameter: "items[1].quantity" })
    expect((await dr.request("GET", `fulfillments?orderId=${orderId}`)).body.data).toEqual([])
    const missing = await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: chairId }] })
    expect(missing.status).toBe(400)
  })

  it("has no idempotency: the same fulfillment twice ships twice", async () => {
    const orderId = await approvedOrder()
    const chairId = await itemId(orderId)
    const body = { orderId, items: [{ itemId: chairId, quantity: "1" }] }
    const first = await dr.request("POST", "fulfillments", body)
    const second = await dr.request("POST", "fulfillments", body)
    expect(second.body.id).not.toBe(first.body.id)
    await event("order.complete", orderId)
    expect((await dr.request("GET", `orders/${orderId}`)).body).toMatchObject({ state: "complete", capturedAmount: 1249.9 })
  })

  it("cancelling every line cancels the order", async () => {
    const orderId = await approvedOrder()
    await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: await itemId(orderId), cancelQuantity: 2 }] })
    const cancelled = await event("order.cancelled", orderId)
    expect(cancelled.body.data.object).toMatchObject({ state: "cancelled", cancelledAmount: 1249.9, capturedAmount: 0 })
    expect(cancelled.body.data.object.payment.charges[0].state).toBe("cancelled")
  })

  it("failure path: hold → in_review (success URL), no fulfillment, then review rejects → blocked", async () => {
    const session = await dr.createCheckoutSession(harness.receiver.url)
    const submitted = await call(session.body.link, { form: { decision: "hold" } })
    expect(submitted.status).toBe(303)
    const orderId = new URL(submitted.headers.get("location")!).searchParams.get("orderId")!
    const review = await event("order.review_opened", orderId)
    expect(review.body.data.object).toMatchObject({ state: "in_review", fraudState: "review_opened" })
    const early = await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: await itemId(orderId), quantity: 1 }] })
    expect(early.status).toBe(409)

    const rejected = await call(`${control}/digitalriver/orders/${orderId}/reject`, { method: "POST" })
    expect(rejected.body).toMatchObject({ state: "blocked", fraudState: "blocked", chargeState: "cancelled" })
    const blocked = await event("order.blocked", orderId)
    expect(schemaErrors("Order", blocked.body.data.object)).toEqual([])
  })

  it("an in-review order released by the review becomes accepted and can be fulfilled", async () => {
    const orderId = await approvedOrder("hold")
    expect((await call(`${control}/digitalriver/orders/${orderId}/release`, { method: "POST" })).body.state).toBe("accepted")
    await event("order.accepted", orderId)
    expect((await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: await itemId(orderId), quantity: 2 }] })).status).toBe(201)
    await event("order.complete", orderId)
  })

  it("decline keeps the shopper on the checkout (no order); abandon returns to the cancel URL", async () => {
    const session = await dr.createCheckoutSession(harness.receiver.url)
    const declined = await call(session.body.link, { form: { decision: "decline" } })
    expect(declined.status).toBe(200)
    expect(declined.text).toContain("declined")
    expect(buttonTestIds(declined.text)).toEqual(["approve", "decline", "hold", "abandon"])
    const abandoned = await call(session.body.link, { form: { decision: "abandon" } })
    expect(abandoned.status).toBe(303)
    expect(abandoned.headers.get("location")).toBe(`${harness.receiver.url}/shop/cancel`)
    expect(buttonTestIds((await call(session.body.link)).text)).toEqual([])
    expect((await call(`${control}/digitalriver/checkout-sessions/${session.body.id}`)).body).toMatchObject({ state: "cancelled", declinedAttempts: 1, orderId: null })
    await harness.sandbox.callbacksIdle()
    expect(harness.receiver.received.filter((callback) => callback.body?.type !== undefined)).toEqual([])
  })

  it("a capture-failure switch makes the next capture fail later with order.charge.capture.failed", async () => {
    await call(`${control}/digitalriver/capture-failures`, { json: { times: 1 } })
    const orderId = await approvedOrder()
    const shipped = await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: await itemId(orderId), quantity: 2 }] })
    expect(shipped.status).toBe(201)
    const failed = await event("order.charge.capture.failed", orderId)
    expect(failed.body.data.object.captures).toEqual([expect.objectContaining({ state: "failed", failureCode: "failed-request", amount: 1249.9, fulfillmentId: shipped.body.id })])
    const charge = await dr.request("GET", `charges/${failed.body.data.object.id}`)
    expect(schemaErrors("Charge", charge.body)).toEqual([])
    expect(charge.body.captures[0].failureMessage).toBe("Failed to operate on charge")
    const order = await dr.request("GET", `orders/${orderId}`)
    expect(order.body).toMatchObject({ state: "fulfilled", capturedAmount: 0, availableToRefundAmount: 0 })
    // the switch was for one capture only
    const next = await approvedOrder()
    await dr.request("POST", "fulfillments", { orderId: next, items: [{ itemId: await itemId(next), quantity: 2 }] })
    await event("order.charge.capture.complete", next)
  })

  it("retries a webhook answered non-2xx with a fresh timestamp and signature each time", async () => {
    const merchant = await startCallbackReceiver()
    try {
      await dr.request("POST", "webhooks", { types: ["order.accepted"], address: `${merchant.url}/retry` })
      await call(`${control}/settings`, { method: "PUT", json: { callbackRetry: { initialDelayMs: 1100, maxAttempts: 3 } } })
      merchant.answerNext({ status: 503 }, 1)
      const orderId = await approvedOrder()
      await merchant.waitFor((callback) => callback.answeredWith === 200, 5000)
      const attempts = merchant.received
      expect(attempts.map((attempt) => [attempt.body.type, attempt.body.data.object.id, attempt.answeredWith])).toEqual([
        ["order.accepted", orderId, 503],
        ["order.accepted", orderId, 200],
      ])
      const checks = attempts.map((attempt) => verifyDigitalRiverSignature(String(attempt.headers["digitalriver-signature"]), attempt.rawBody, DR_SIGNING_SECRET))
      expect(checks.every((check) => check.valid)).toBe(true)
      expect(checks[1].timestamp).toBeGreaterThan(checks[0].timestamp)
      expect(attempts[1].headers["digitalriver-signature"]).not.toBe(attempts[0].headers["digitalriver-signature"])
      expect(attempts[1].rawBody).toBe(attempts[0].rawBody)
      const deliveries = (await call(`${control}/callbacks?psp=digitalriver&event=order.accepted`)).body
      const retried = deliveries.find((delivery: { url: string }) => delivery.url === `${merchant.url}/retry`)
      expect(retried.attempts.map((attempt: { status: number }) => attempt.status)).toEqual([503, 200])
      expect(retried.attempts[0].headers["digitalriver-signature"]).toBe("[redacted]")
    } finally {
      await merchant.close()
    }
  }, 10_000)

  it("sends events only to webhooks subscribed to their type, with Basic auth when configured", async () => {
    await dr.request("POST", "webhooks", { types: ["order.complete"], address: `${harness.receiver.url}/other`, authentication: { username: "shop", password: "pw" } })
    const orderId = await approvedOrder()
    await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: await itemId(orderId), quantity: 2 }] })
    const other = await harness.receiver.waitFor((callback) => callback.path === "/other")
    expect(other.body.type).toBe("order.complete")
    expect(other.headers.authorization).toBe(`Basic ${Buffer.from("shop:pw").toString("base64")}`)
    await harness.sandbox.callbacksIdle()
    expect(harness.receiver.received.filter((callback) => callback.path === "/other")).toHaveLength(1)
    const hooks = await dr.request("GET", "webhooks")
    expect(hooks.body.data).toHaveLength(2)
    for (const hook of hooks.body.data) {
      expect(schemaErrors("Webhook", hook)).toEqual([])
      expect(hook.secret).toBeUndefined()
    }
  })

  it("core faults apply: an injected 503 in DR's shape, then a dropped response whose fulfillment still happened", async () => {
    const orderId = await approvedOrder()
    const chairId = await itemId(orderId)
    await call(`${control}/faults`, { json: { psp: "digitalriver", endpoint: "create-fulfillment", effect: "error", status: 503, times: 1 } })
    const failed = await dr.request("POST", "fulfillments", { orderId, items: [{ itemId: chairId, quantity: 1 }] })
    expect(failed.status).toBe(503)
    expect(failed.body).toMatchObject({ type: "service_unavailable", errors: [{ message: expect.stringContaining("503") }] })
    expect((await dr.request("GET", `fulfillments?orderId=${orderId}`)).body.data).toEqual([])

    await call(`${control}/faults`, { json: { psp: "digitalriver", endpoint: "create-fulfillment", effect: "drop-response", times: 1 } })
    await expect(dr.request("POST", "fulfillments", { orderId, items: [{ itemId: chairId, quantity: 1 }] })).rejects.toThrow()
    const listed = await dr.request("GET", `fulfillments?orderId=${orderId}`)
    expect(listed.body.data).toHaveLength(1)
    expect(schemaErrors("Fulfillment", listed.body.data[0])).toEqual([])
    const logged = (await call(`${control}/requests?psp=digitalriver&endpoint=create-fulfillment`)).body
    expect(logged[0].headers.authorization).toBe("Bearer [redacted]")
  })

  it("inspection lists every order with totals, and reset forgets them", async () => {
    await approvedOrder()
    const all = await call(`${control}/orders`)
    expect(all.body.digitalriver).toEqual([expect.objectContaining({ state: "accepted", totals: expect.objectContaining({ total: "1249.90", authorized: "1249.90" }) })])
    await call(`${control}/reset`, { method: "POST" })
    expect((await call(`${control}/digitalriver/orders`)).body).toEqual([])
    expect((await dr.request("GET", "webhooks")).body.data).toEqual([])
  })
})
