import { CM_MERCHANT, CmTestClient } from "./cm-client"
import { buttonTestIds, call, formAction, startHarness, stopHarness, type Harness } from "./helpers"

describe("CM.com PSP API simulator", () => {
  let harness: Harness
  let cm: CmTestClient
  let control: string

  beforeEach(async () => {
    harness = await startHarness()
    control = `${harness.sandbox.url}/_sandbox`
    cm = new CmTestClient(harness.sandbox.baseUrls.cm)
    await call(`${control}/cm/merchants/${CM_MERCHANT.key}`, { method: "PUT", json: { updateUrl: `${harness.receiver.url}/cm/update?source=cm` } })
  })
  afterEach(() => stopHarness(harness))

  const pings = (reference: string) => harness.receiver.received.filter((callback) => callback.path === "/cm/update" && callback.query.id === reference)
  const ping = (reference: string, count = 1) => harness.receiver.waitFor(() => pings(reference).length >= count)

  async function order(overrides: Record<string, unknown> = {}) {
    const created = await cm.createOrder(harness.receiver.url, overrides)
    expect(created.status).toBe(201)
    const details = await cm.request("GET", `orders/${created.body.order_key}`)
    return { key: created.body.order_key as string, url: created.body.url as string, reference: details.body.order_reference as string }
  }

  describe("auth and validation", () => {
    it("needs Basic merchant_name:password, and the merchant key of that merchant", async () => {
      expect((await call(`${cm.baseUrl}orders/x`)).status).toBe(401)
      expect((await new CmTestClient(harness.sandbox.baseUrls.cm, { name: CM_MERCHANT.name, password: "wrong" }).request("GET", "orders/x")).status).toBe(401)
      const otherKey = await new CmTestClient(harness.sandbox.baseUrls.cm, CM_MERCHANT, "another-key").request("GET", "orders/x")
      expect(otherKey.status).toBe(404)
      expect(otherKey.body.message).toContain("another-key")
    })

    it("refuses decimal amounts (integer minor units) and missing mandatory fields, naming them", async () => {
      const answer = await cm.createOrder(harness.receiver.url, { amount: 1249.9, language: "english" })
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({
        message: "Invalid request",
        errors: [
          { field: "amount", message: "must be an integer number of minor units" },
          { field: "language", message: "must be an ISO 639-1 code" },
        ],
      })
      const noEmail = await cm.createOrder(harness.receiver.url, { email: undefined })
      expect(noEmail.body.errors).toEqual([{ field: "email", message: "is mandatory without billing_address_key" }])
      expect((await call(`${control}/cm/orders`)).body).toEqual([])
    })

    it("refuses a second order with the same order_reference; the first is found by reference", async () => {
      const first = await order()
      const again = await cm.createOrder(harness.receiver.url, { order_reference: first.reference })
      expect(again.status).toBe(400)
      expect(again.body.errors).toEqual([{ field: "order_reference", message: expect.stringContaining("already exists") }])
      const found = await cm.request("GET", `orders?order_reference=${first.reference}`)
      expect(found.body.map((candidate: { order_key: string }) => candidate.order_key)).toEqual([first.key])
    })

    it("orders with a billing address key from POST shoppers need no email or country", async () => {
      const shopper = await cm.request("POST", "shoppers", {
        shopper_reference: "shopper-1",
        name: { first: "Anna", last: "Jansen" },
        address: { street: "Kerkstraat", housenumber: "1", postal_code: "1000AA", city: "Amsterdam", country: "NL" },
        email: "anna@example.com",
        gender: "F",
        date_of_birth: "1990-01-31",
      })
      expect(shopper.status).toBe(201)
      expect(shopper.body).toEqual({ shopper_key: expect.any(String), address_key: expect.any(String) })
      const created = await cm.createOrder(harness.receiver.url, { email: undefined, country: undefined, billing_address_key: shopper.body.address_key })
      expect(created.status).toBe(201)
      expect((await cm.createOrder(harness.receiver.url, { email: undefined, country: undefined, billing_address_key: "nope" })).status).toBe(400)
    })
  })

  it("happy path: menu approve → success URL, bare ping → fetch back SAFE → partial capture → partial refund", async () => {
    const created = await cm.createOrder(harness.receiver.url)
    expect(created.body).toEqual({ order_key: expect.any(String), expires_on: expect.any(String), url: expect.stringContaining("/cm/ps/menu/") })
    const key = created.body.order_key
    const items = await cm.request("POST", `orders/${key}/items`, [
      { number: 1, code: "CHAIR", name: "Chair", type: "PHYSICAL", quantity: 2, currency: "EUR", unit_amount: 49995, amount: 99990, vat_amount: 17353, vat_rate: "21.0" },
      { number: 2, code: "SHIP", name: "Shipping", type: "SHIPPING_FEE", quantity: 1, currency: "EUR", unit_amount: 25000, amount: 25000 },
    ])
    expect(items.status).toBe(201)

    const fresh = await cm.request("GET", `orders/${key}`)
    expect(fresh.body).toMatchObject({ order_key: key, amount: 124990, currency: "EUR", payments: [] })
    expect(fresh.body.considered_safe).toBeUndefined()
    const reference = fresh.body.order_reference

    const page = await call(created.body.url)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toContain("text/html")
    expect(buttonTestIds(page.text)).toEqual(["approve", "decline", "hold", "abandon"])
    expect(page.text).toContain("1249.90")
    expect(page.text).toContain("Chair")

    const submitted = await call(`${harness.sandbox.url}${formAction(page.text)}`, { form: { decision: "approve" } })
    expect(submitted.status).toBe(303)
    expect(submitted.headers.get("location")).toBe(`${harness.receiver.url}/shop/success`)

    // the notification is a bare GET with the order reference: no status, no signature
    const notification = await ping(reference)
    expect(notification.method).toBe("GET")
    expect(notification.query).toEqual({ source: "cm", id: reference })
    expect(notification.rawBody).toBe("")
    expect(notification.headers.authorization).toBeUndefined()

    const paid = await cm.request("GET", `orders/${key}`)
    expect(paid.body.considered_safe).toEqual({ level: "SAFE", timestamp: expect.any(String) })
    expect(paid.body.payments).toEqual([
      { id: expect.stringMatching(/^pid\d+t$/), method: "VISA", authorization: { amount: 124990, currency: "EUR", confidence: "ACQUIRER_APPROVED", state: "AUTHORIZED" }, captures: [], refunds: [] },
    ])
    const paymentId = paid.body.payments[0].id

    const captured = await cm.request("POST", `orders/${key}/payments/${paymentId}/captures`, { amount: 49995, currency: "EUR" })
    expect(captured.status).toBe(201)
    expect(captured.body).toMatchObject({ amount: 49995, currency: "EUR", state: "CAPTURED" })
    await ping(reference, 2)

    const overCapture = await cm.request("POST", `orders/${key}/payments/${paymentId}/captures`, { amount: 74996, currency: "EUR" })
    expect(overCapture.status).toBe(400)
    expect(overCapture.body.errors).toEqual([{ field: "amount", message: "exceeds the capturable amount 74995" }])

    const refunded = await cm.request("POST", `orders/${key}/payments/${paymentId}/refunds`, { refund_reference: "R1", description: "damaged", amount: 10000, currency: "EUR" })
    expect(refunded.status).toBe(201)
    expect(refunded.body).toEqual({ merchant_request_key: expect.any(String), amount: 10000, currency: "EUR" })
    const overRefund = await cm.request("POST", `orders/${key}/payments/${paymentId}/refunds`, { refund_reference: "R2", description: "more", amount: 39996, currency: "EUR" })
    expect(overRefund.status).toBe(400)
    expect(overRefund.body.errors).toEqual([{ field: "amount", message: "exceeds the refundable amount 39995" }])

    const after = await cm.request("GET", `orders/${key}`)
    expect(after.body.payments[0]).toMatchObject({
      captures: [{ amount: 49995, currency: "EUR", state: "CAPTURED", date_last_modified: expect.any(String) }],
      refunds: [{ amount: 10000, state: "REFUNDED", reference: "R1" }],
    })
    const snapshot = await call(`${control}/cm/orders/${key}`)
    expect(snapshot.body).toMatchObject({
      status: "AUTHORIZED",
      totals: { amount: "124990", authorized: "124990", captured: "49995", refunded: "10000", capturable: "74995", remainingToPay: "0" },
      payments: [{ id: paymentId, method: "VISA", state: "AUTHORIZED", captured: "49995", refunded: "10000" }],
      lines: [{ code: "CHAIR", quantity: 2, amount: "99990" }, { code: "SHIP", amount: "25000" }],
    })
    // the menu no longer takes payments
    expect(buttonTestIds((await call(created.body.url)).text)).toEqual([])
  })

  it("failure path: decline keeps the shopper on the menu with a CANCELED payment; a second attempt pays", async () => {
    const { key, url, reference } = await order()
    const declined = await call(url, { form: { decision: "decline" } })
    expect(declined.status).toBe(200)
    expect(declined.text).toContain("the last payment failed")
    expect(buttonTestIds(declined.text)).toEqual(["approve", "decline", "hold", "abandon"])
    await ping(reference)
    const failed = await cm.request("GET", `orders/${key}`)
    expect(failed.body.considered_safe).toBeUndefined()
    expect(failed.body.payments).toEqual([expect.objectContaining({ authorization: expect.objectContaining({ state: "CANCELED", reason: "01 - Card authentication failed" }) })])
    expect((await cm.request("POST", `orders/${key}/payments/${failed.body.payments[0].id}/captures`, { amount: 1, currency: "EUR" })).status).toBe(400)

    const approved = await call(url, { form: { decision: "approve" } })
    expect(approved.headers.get("location")).toBe(`${harness.receiver.url}/shop/success`)
    const details = await cm.request("GET", `orders/${key}`)
    expect(details.body.payments.map((payment: { authorization: { state: string } }) => payment.authorization.state)).toEqual(["CANCELED", "AUTHORIZED"])
    expect(details.body.considered_safe.level).toBe("SAFE")
  })

  it("abandon → canceled URL; the order stays payable until it expires", async () => {
    const { key, url, reference } = await order()
    const abandoned = await call(url, { form: { decision: "abandon" } })
    expect(abandoned.status).toBe(303)
    expect(abandoned.headers.get("location")).toBe(`${harness.receiver.url}/shop/canceled`)
    expect(buttonTestIds((await call(url)).text)).toHaveLength(4)
    const expired = await call(`${control}/cm/orders/${key}/expire`, { method: "POST" })
    expect(expired.body.status).toBe("EXPIRED")
    await ping(reference)
    expect(buttonTestIds((await call(url)).text)).toEqual([])
  })

  it("an order expires on the sandbox clock", async () => {
    const { key, url } = await order({ expiry: { expire_after: { unit: "MINUTES", duration: 30 } } })
    await call(`${control}/clock/advance`, { json: { seconds: 1801 } })
    expect((await call(`${control}/cm/orders/${key}`)).body.status).toBe("EXPIRED")
    expect((await call(url, { form: { decision: "approve" } })).status).toBe(200)
    expect((await cm.request("GET", `orders/${key}`)).body.payments).toEqual([])
  })

  it("hold → pending URL, authorized but not considered safe and not capturable; release makes it SAFE", async () => {
    const { key, url, reference } = await order()
    const held = await call(url, { form: { decision: "hold" } })
    expect(held.headers.get("location")).toBe(`${harness.receiver.url}/shop/pending`)
    await ping(reference)
    const pending = await cm.request("GET", `orders/${key}`)
    expect(pending.body.considered_safe).toBeUndefined()
    expect(pending.body.payments[0].authorization).toMatchObject({ state: "AUTHORIZED", confidence: "ACQUIRER_PENDING" })
    const early = await cm.request("POST", `orders/${key}/payments/${pending.body.payments[0].id}/captures`, { amount: 100, currency: "EUR" })
    expect(early.status).toBe(400)

    const released = await call(`${control}/cm/orders/${key}/release`, { method: "POST" })
    expect(released.body.consideredSafe).toEqual({ level: "SAFE", timestamp: expect.any(String) })
    await ping(reference, 2)
    expect((await cm.request("POST", `orders/${key}/payments/${pending.body.payments[0].id}/captures`, { amount: 124990, currency: "EUR" })).status).toBe(201)
  })

  it("a held payment rejected by the risk check is canceled", async () => {
    const { key } = await order()
    await call(`${control}/cm/orders/${key}/decision`, { json: { decision: "hold" } })
    const rejected = await call(`${control}/cm/orders/${key}/reject`, { method: "POST" })
    expect(rejected.body).toMatchObject({ status: "NEW", consideredSafe: null, payments: [{ state: "CANCELED" }] })
  })

  it("several payments: a gift card pays part (captured at once), a card pays the rest", async () => {
    const { key, reference } = await order()
    const decided = await call(`${control}/cm/orders/${key}/decision`, { json: { decision: "approve", giftCardAmount: 2500, method: "MASTERCARD" } })
    expect(decided.body.redirectTo).toBe(`${harness.receiver.url}/shop/success`)
    const details = await cm.request("GET", `orders/${key}`)
    expect(details.body.considered_safe.level).toBe("SAFE")
    expect(details.body.payments).toEqual([
      expect.objectContaining({ method: "GIFTCARD", authorization: expect.objectContaining({ amount: 2500, state: "AUTHORIZED" }), captures: [expect.objectContaining({ amount: 2500, state: "CAPTURED" })] }),
      expect.objectContaining({ method: "MASTERCARD", authorization: expect.objectContaining({ amount: 122490, state: "AUTHORIZED" }), captures: [] }),
    ])
    await ping(reference, 2)
    // the gift card can be refunded, not captured again
    const giftCard = details.body.payments[0].id
    expect((await cm.request("POST", `orders/${key}/payments/${giftCard}/captures`, { amount: 1, currency: "EUR" })).status).toBe(400)
    expect((await cm.request("POST", `orders/${key}/payments/${giftCard}/refunds`, { refund_reference: "G", description: "gift card back", amount: 2500, currency: "EUR" })).status).toBe(201)
  })

  it("webdirect: a started gift card payment for part of the amount leaves the shopper on the menu for the rest", async () => {
    const { key, reference } = await order()
    const started = await cm.request("POST", `orders/${key}/payments`, { method: "GIFTCARD", giftcard_details: { amount: 4990 } })
    expect(started.status).toBe(201)
    expect(started.body).toMatchObject({ id: expect.stringMatching(/^pid/), status: "REDIRECTED_FOR_AUTHENTICATION", urls: [{ purpose: "REDIRECT", method: "GET", url: expect.stringContaining(`payment_id=${started.body.id}`) }] })
    const page = await call(started.body.urls[0].url)
    const afterGiftCard = await call(`${harness.sandbox.url}${formAction(page.text)}`, { form: { decision: "approve" } })
    expect(afterGiftCard.status).toBe(200)
    expect(afterGiftCard.text).toContain("to pay 1200.00")
    expect((await cm.request("GET", `orders/${key}`)).body.considered_safe).toBeUndefined()
    const rest = await call(`${harness.sandbox.url}${formAction(afterGiftCard.text)}`, { form: { decision: "approve" } })
    expect(rest.headers.get("location")).toBe(`${harness.receiver.url}/shop/success`)
    const details = await cm.request("GET", `orders/${key}`)
    expect(details.body.payments.map((payment: { method: string; authorization: { amount: number } }) => [payment.method, payment.authorization.amount])).toEqual([
      ["GIFTCARD", 4990],
      ["VISA", 120000],
    ])
    await ping(reference, 2)
  })

  it("the next-authorization switch: declined, then authorized but not safe, then FAST", async () => {
    await call(`${control}/cm/next-authorization`, { json: { outcome: "declined", times: 1 } })
    await call(`${control}/cm/next-authorization`, { json: { outcome: "not-safe", times: 1 } })
    await call(`${control}/cm/next-authorization`, { json: { outcome: "fast", times: 1 } })
    const { key, url } = await order()
    expect((await call(url, { form: { decision: "approve" } })).status).toBe(200)
    expect((await call(url, { form: { decision: "approve" } })).headers.get("location")).toBe(`${harness.receiver.url}/shop/pending`)
    expect((await cm.request("GET", `orders/${key}`)).body.considered_safe).toBeUndefined()
    const other = await order()
    await call(other.url, { form: { decision: "approve" } })
    expect((await cm.request("GET", `orders/${other.key}`)).body.considered_safe.level).toBe("FAST")
  })

  it("considered_safe can be changed from the control API, with a ping each time", async () => {
    const { key, reference } = await order()
    await call(`${control}/cm/orders/${key}/decision`, { json: { decision: "approve" } })
    await call(`${control}/cm/orders/${key}/considered-safe`, { json: { level: null } })
    expect((await cm.request("GET", `orders/${key}`)).body.considered_safe).toBeUndefined()
    await call(`${control}/cm/orders/${key}/considered-safe`, { json: { level: "FAST" } })
    expect((await cm.request("GET", `orders/${key}`)).body.considered_safe.level).toBe("FAST")
    await ping(reference, 3)
  })

  it("retries a ping answered non-2xx with backoff, and the callback faults apply", async () => {
    harness.receiver.answerNext({ status: 500 }, 2)
    const { key, reference } = await order()
    await call(`${control}/cm/orders/${key}/decision`, { json: { decision: "approve" } })
    await harness.sandbox.callbacksIdle()
    expect(pings(reference).map((callback) => callback.answeredWith)).toEqual([500, 500, 200])
    const [delivery] = (await call(`${control}/callbacks?psp=cm&reference=${key}`)).body
    expect(delivery).toMatchObject({ method: "GET", event: "payment.authorized", state: "delivered" })
    expect(delivery.attempts.map((attempt: { status: number }) => attempt.status)).toEqual([500, 500, 200])

    await call(`${control}/callback-faults`, { json: { psp: "cm", event: "payment.captured", effect: "duplicate", copies: 3, times: 1 } })
    const paymentId = (await cm.request("GET", `orders/${key}`)).body.payments[0].id
    await cm.request("POST", `orders/${key}/payments/${paymentId}/captures`, { amount: 100, currency: "EUR" })
    await harness.sandbox.callbacksIdle()
    expect(pings(reference)).toHaveLength(6)
  })

  it("core request faults apply in CM's error shape, and a dropped response still captured", async () => {
    const { key } = await order()
    await call(`${control}/cm/orders/${key}/decision`, { json: { decision: "approve" } })
    const paymentId = (await cm.request("GET", `orders/${key}`)).body.payments[0].id
    await call(`${control}/faults`, { json: { psp: "cm", endpoint: "capture", effect: "error", status: 502, times: 1 } })
    const failed = await cm.request("POST", `orders/${key}/payments/${paymentId}/captures`, { amount: 100, currency: "EUR" })
    expect(failed.status).toBe(502)
    expect(failed.body).toEqual({ message: expect.stringContaining("502") })
    await call(`${control}/faults`, { json: { psp: "cm", path: "/cm/ps/api/public/v1/merchants/*/orders/*/payments/*/captures", effect: "drop-response", times: 1 } })
    await expect(cm.request("POST", `orders/${key}/payments/${paymentId}/captures`, { amount: 100, currency: "EUR" })).rejects.toThrow()
    expect((await cm.request("GET", `orders/${key}`)).body.payments[0].captures).toHaveLength(1)
    const logged = (await call(`${control}/requests?psp=cm&endpoint=capture`)).body
    expect(logged[0].headers.authorization).toBe("Basic [redacted]")
    // unknown paths under the merchant base answer in CM's shape too
    expect((await cm.request("GET", "nothing-here")).body).toEqual({ message: expect.any(String) })
  })

  it("inspection lists CM orders with their totals; reset restores the configured Update URL", async () => {
    await order()
    expect((await call(`${control}/orders`)).body.cm).toEqual([expect.objectContaining({ status: "NEW", totals: expect.objectContaining({ amount: "124990", authorized: "0" }) })])
    await call(`${control}/reset`, { method: "POST" })
    expect((await call(`${control}/cm/orders`)).body).toEqual([])
    expect((await call(`${control}/cm/merchants`)).body).toEqual([{ key: CM_MERCHANT.key, name: CM_MERCHANT.name, updateUrl: null }])
  })
})
