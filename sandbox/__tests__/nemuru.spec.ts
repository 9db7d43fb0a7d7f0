import { buttonTestIds, call, formAction, shopperView, startHarness, stopHarness, type Answer, type Harness } from "./helpers"

const USER = { username: "sandbox@nemuru.test", password: "sandbox-nemuru-password" }
const NOTIFICATION_AUTH = "Basic bWVyY2hhbnQ6bm90aWZ5"

describe("Nemuru Order API simulator", () => {
  let harness: Harness
  let api: string
  let token: string

  beforeEach(async () => {
    harness = await startHarness({ nemuru: { lenderConfirmationDelayMs: 20 } })
    api = harness.sandbox.baseUrls.nemuru
    token = (await call(`${api}auth/login/`, { json: USER })).body.access_token
  })
  afterEach(() => stopHarness(harness))

  const request = (method: string, path: string, json?: unknown): Promise<Answer> =>
    call(`${api}${path}`, { method, json, headers: { authorization: `Bearer ${token}` } })
  const control = (path: string, json?: unknown) => call(`${harness.sandbox.url}/_sandbox/nemuru/${path}`, { method: "POST", json })

  /** Sofa 875.00 and 2 × cushion 24.95 = 924.90. */
  function orderBody(overrides: Record<string, unknown> = {}) {
    return {
      product: "instalments",
      merchant: {
        order_reference_1: "order-1",
        notification_url: `${harness.receiver.url}/nemuru/notify`,
        notification_auth: { authorization_header: NOTIFICATION_AUTH, content_type: "application/json" },
        notification_additional_payload: { cart: "h12837hg=" },
        success_url: `${harness.receiver.url}/shop/success`,
        failure_url: `${harness.receiver.url}/shop/fail`,
        pending_url: `${harness.receiver.url}/shop/pending`,
      },
      customer: { first_name: "Ana", last_name: "García", email: "ana@example.com", birth_date: "1990-02-27T12:00:00+01:00" },
      cart: {
        reference: "cart-1",
        currency: "EUR",
        total_price_with_tax: 924.9,
        items: [
          { article: { name: "KIVIK 3-seat sofa", type: "product", category: "physical", reference: "SOFA", unit_price_with_tax: 875 }, units: 1, total_price_with_tax: 875 },
          { article: { name: "Cushion", type: "product", category: "physical", reference: "CUSH", unit_price_with_tax: 24.95 }, units: 2, total_price_with_tax: 49.9 },
        ],
      },
      ...overrides,
    }
  }

  async function createOrder(): Promise<{ id: string; redirectUrl: string }> {
    const created = await request("POST", "v2/order/", orderBody())
    expect(created.status).toBe(201)
    return { id: created.headers.get("id")!, redirectUrl: created.body.redirect_url }
  }

  /** Approved, and confirmed through the merchant's `autoconfirm: true` answer. */
  async function confirmedOrder(): Promise<string> {
    const { id } = await createOrder()
    harness.receiver.answerNext({ status: 200, headers: { autoconfirm: "true" } })
    await control(`orders/${id}/decision`, { decision: "approve" })
    await notification(id, (body) => body.status === "confirmed")
    return id
  }

  const notification = (orderId: string, predicate: (body: any) => boolean) =>
    harness.receiver.waitFor((callback) => callback.path === "/nemuru/notify" && callback.body?.order_id === orderId && predicate(callback.body))

  describe("login", () => {
    it("answers 201 with a bearer token valid for 7200 s", async () => {
      const answer = await call(`${api}auth/login/`, { json: USER })
      expect(answer.status).toBe(201)
      expect(answer.body).toMatchObject({ token_type: "bearer", expires_in: 7200, access_token: expect.any(String), refresh_token: expect.any(String) })
      await call(`${harness.sandbox.url}/_sandbox/clock/advance`, { json: { seconds: 7201 } })
      const expired = await request("GET", "v2/order/whatever/")
      expect(expired.status).toBe(401)
      expect(expired.body).toMatchObject({ status: "ko", error: "Expired JWT Token" })
    })

    it("refuses wrong credentials in Nemuru's error shape", async () => {
      const answer = await call(`${api}auth/login/`, { json: { ...USER, password: "nope" } })
      expect(answer.status).toBe(401)
      expect(answer.body).toEqual({ status: "ko", exception: expect.stringContaining("Exception"), error: expect.any(String) })
    })
  })

  describe("create order validation", () => {
    it("reports schema errors by JSON pointer", async () => {
      const body = orderBody({ product: "layaway" })
      ;(body.merchant as Record<string, unknown>).notification_auth = { authorization_header: "Basic x" }
      const answer = await request("POST", "v2/order/", body)
      expect(answer.status).toBe(400)
      expect(answer.body).toMatchObject({
        status: "ko",
        exception: "Nemuru\\SharedKernel\\Domain\\Exception\\SchemaValidatorException",
        error: "Schema validation failed",
        schema_errors: {
          "/product": "The product you selected is not a valid. Possible choices: {'split_pay', 'instalments'}.",
          "/merchant/notification_auth": "The required properties (content_type) are missing",
        },
      })
    })

    it("refuses a cart total that is not the sum of its items", async () => {
      const body = orderBody()
      ;(body.cart as Record<string, unknown>).total_price_with_tax = 924.91
      const answer = await request("POST", "v2/order/", body)
      expect(answer.status).toBe(400)
      expect(Object.keys(answer.body.schema_errors)).toEqual(["/cart/total_price_with_tax"])
    })
  })

  it("happy path: create (Id header) → hosted approve → notifications → async capture → transactional refund", async () => {
    const { id, redirectUrl } = await createOrder()
    expect(id).toMatch(/^[0-9a-f-]{36}$/)

    const page = await call(redirectUrl)
    expect(page.status).toBe(200)
    expect(buttonTestIds(page.text)).toEqual(["approve", "decline", "hold", "abandon"])
    expect(page.text).toContain("924.90")

    harness.receiver.answerNext({ status: 200, headers: { autoconfirm: "true" } })
    const submitted = await call(`${harness.sandbox.url}${formAction(page.text)}`, { form: { decision: "approve" } })
    expect(submitted.status).toBe(303)
    expect(submitted.headers.get("location")).toBe(`${harness.receiver.url}/shop/success`)

    const approved = await notification(id, (body) => body.status === "approved")
    expect(approved.headers.authorization).toBe(NOTIFICATION_AUTH)
    expect(approved.headers["content-type"]).toBe("application/json")
    expect(approved.body).toEqual({ cart: "h12837hg=", order_id: id, status: "approved" })
    await notification(id, (body) => body.status === "confirmed")
    expect(shopperView((await call(redirectUrl)).text)).toMatchObject({ outcome: "approved", technicalStatus: "confirmed" })

    const order = await request("GET", `v2/order/${id}/`)
    expect(order.status).toBe(200)
    expect(order.body).toMatchObject({ order_id: id, status: "confirmed", captured_amount: 0 })
    const [sofa, cushion] = order.body.cart.items as Array<{ id: string }>

    // asynchronous capture of the sofa: 201 at once, notification once the lender confirms
    const capture = await request("POST", `v2/order/${id}/capture/`, { items: [{ id: sofa.id }] })
    expect(capture.status).toBe(201)
    expect(capture.body).toMatchObject({ status: "pending", amount: 875 })
    expect(capture.headers.get("id")).toBe(capture.body.id)
    const captured = await notification(id, (body) => body.event === "order_capture_created")
    expect(captured.headers.authorization).toBe(NOTIFICATION_AUTH)
    expect(captured.body).toMatchObject({ cart: "h12837hg=", order_id: id, event: "order_capture_created", capture: { id: capture.body.id, status: "confirmed", amount: 875 } })
    expect((await request("GET", `v2/order/${id}/`)).body.captured_amount).toBe(875)

    // the sofa cannot be captured twice
    const again = await request("POST", `v2/order/${id}/capture/`, { items: [{ id: sofa.id }] })
    expect(again.status).toBe(400)
    expect(again.body).toMatchObject({ status: "ko", error: expect.stringContaining("left to capture") })

    // one cushion, transactionally
    const cushionCapture = await request("POST", `v2/order/${id}/capture/`, { items: [{ id: cushion.id, units: 1 }], transactional: true })
    expect(cushionCapture.status).toBe(201)
    expect(cushionCapture.body).toMatchObject({ status: "confirmed", amount: 24.95 })

    // transactional refund of the sofa; refunding more than was captured is refused
    const refund = await request("POST", `v2/order/${id}/refund/`, { items: [{ id: sofa.id }], transactional: true })
    expect(refund.status).toBe(201)
    expect(refund.body).toMatchObject({ status: "confirmed", amount: 875 })
    expect((await request("POST", `v2/order/${id}/refund/`, { items: [{ id: cushion.id, units: 2 }] })).status).toBe(400)
    expect((await request("POST", `v2/order/${id}/refund/`, { amount: 30 })).status).toBe(400)

    const snapshot = await call(`${harness.sandbox.url}/_sandbox/nemuru/orders/${id}`)
    expect(snapshot.body.totals).toMatchObject({ total: "924.90", captured: "899.95", refunded: "875.00", pendingCapture: "0.00", authorized: "24.95" })
    expect(snapshot.body.lines[1]).toMatchObject({ captured: { units: 1, amount: "24.95" }, refunded: { units: 0, amount: "0.00" } })
  })

  it("refunds by amount", async () => {
    const id = await confirmedOrder()
    const [sofa] = (await request("GET", `v2/order/${id}/`)).body.cart.items
    await request("POST", `v2/order/${id}/capture/`, { items: [{ id: sofa.id }], transactional: true })
    const refund = await request("POST", `v2/order/${id}/refund/`, { amount: 100.5 })
    expect(refund.status).toBe(201)
    await notification(id, (body) => body.event === "order_refund_created")
    expect((await request("GET", `v2/order/${id}/`)).body.refunded_amount).toBe(100.5)
  })

  it("confirms through the confirm endpoint when the merchant does not autoconfirm", async () => {
    const { id } = await createOrder()
    await control(`orders/${id}/decision`, { decision: "approve" })
    await notification(id, (body) => body.status === "approved")
    expect((await request("POST", `v2/order/${id}/capture/`, { items: [{ id: "x" }] })).status).toBe(400)
    const confirmed = await request("POST", `v2/order/${id}/confirm/`)
    expect(confirmed.body.status).toBe("confirmed")
    await notification(id, (body) => body.status === "confirmed")
  })

  it("failure path: decline → failure URL, denied notification, nothing capturable", async () => {
    const { id, redirectUrl } = await createOrder()
    const submitted = await call(redirectUrl, { form: { decision: "decline" } })
    expect(submitted.headers.get("location")).toBe(`${harness.receiver.url}/shop/fail`)
    await notification(id, (body) => body.status === "denied")
    const order = await request("GET", `v2/order/${id}/`)
    expect(order.body.status).toBe("denied")
    expect((await request("POST", `v2/order/${id}/capture/`, { items: [{ id: order.body.cart.items[0].id }] })).status).toBe(400)
  })

  it("a lender rejection of a transactional capture answers an error and captures nothing", async () => {
    const id = await confirmedOrder()
    const [sofa] = (await request("GET", `v2/order/${id}/`)).body.cart.items
    await control("lender", { outcome: "reject", times: 1 })
    const rejected = await request("POST", `v2/order/${id}/capture/`, { items: [{ id: sofa.id }], transactional: true })
    expect(rejected.status).toBe(409)
    expect(rejected.body).toMatchObject({ status: "ko", error: "The lender rejected the capture" })
    const retried = await request("POST", `v2/order/${id}/capture/`, { items: [{ id: sofa.id }], transactional: true })
    expect(retried.status).toBe(201)
  })

  it("an asynchronous capture the lender rejects is notified and releases the items", async () => {
    const id = await confirmedOrder()
    const [sofa] = (await request("GET", `v2/order/${id}/`)).body.cart.items
    await control("lender", { outcome: "reject", delayMs: 50, times: 1 })
    expect((await request("POST", `v2/order/${id}/capture/`, { items: [{ id: sofa.id }] })).status).toBe(201)
    // while the lender decides, the sofa is reserved
    expect((await request("POST", `v2/order/${id}/capture/`, { items: [{ id: sofa.id }] })).status).toBe(400)
    await notification(id, (body) => body.event === "order_capture_rejected")
    const snapshot = await call(`${harness.sandbox.url}/_sandbox/nemuru/orders/${id}`)
    expect(snapshot.body.totals).toMatchObject({ captured: "0.00", pendingCapture: "0.00" })
  })

  it("hold → on_hold (pending URL), then release → approved", async () => {
    const { id, redirectUrl } = await createOrder()
    const submitted = await call(redirectUrl, { form: { decision: "hold" } })
    expect(submitted.headers.get("location")).toBe(`${harness.receiver.url}/shop/pending`)
    await notification(id, (body) => body.status === "on_hold")
    expect((await control(`orders/${id}/release`)).body.status).toBe("approved")
    await notification(id, (body) => body.status === "approved")
  })

  it("a credit decision fault denies the next approval", async () => {
    await control("credit-decision", { outcome: "denied", times: 1 })
    const { id, redirectUrl } = await createOrder()
    const submitted = await call(redirectUrl, { form: { decision: "approve" } })
    expect(submitted.headers.get("location")).toBe(`${harness.receiver.url}/shop/fail`)
    await notification(id, (body) => body.status === "denied")
  })

  it("retries a notification the merchant did not accept", async () => {
    const { id } = await createOrder()
    harness.receiver.answerNext({ status: 500 })
    await control(`orders/${id}/decision`, { decision: "abandon" })
    await harness.sandbox.callbacksIdle()
    const [delivery] = (await call(`${harness.sandbox.url}/_sandbox/callbacks?psp=nemuru&reference=${id}`)).body
    expect(delivery).toMatchObject({ event: "cancelled", state: "delivered" })
    expect(delivery.attempts.map((attempt: { status: number }) => attempt.status)).toEqual([500, 200])
    expect(delivery.attempts[0].headers.authorization).toBe("Basic [redacted]")
  })

  it("answers an unknown order with 404 in Nemuru's shape", async () => {
    const answer = await request("GET", "v2/order/c7d0c7d0-0000-0000-0000-000000000000/")
    expect(answer.status).toBe(404)
    expect(answer.body).toMatchObject({ status: "ko", exception: expect.stringContaining("NotFound") })
  })
})
