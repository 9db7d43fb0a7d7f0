import { call, startHarness, stopHarness, type Harness } from "./helpers"
import { RESURS_CLIENT, ResursTestClient } from "./resurs-client"

/** The core (faults, callbacks, request log, reset), driven through the Resurs simulator. */
describe("sandbox core", () => {
  let harness: Harness
  let resurs: ResursTestClient
  let control: string

  beforeEach(async () => {
    harness = await startHarness()
    resurs = new ResursTestClient(harness.sandbox.baseUrls.resurs)
    control = `${harness.sandbox.url}/_sandbox`
  })
  afterEach(() => stopHarness(harness))

  async function approvedPayment(): Promise<string> {
    const paymentId: string = (await resurs.createPayment(harness.receiver.url)).body.id
    await call(`${control}/resurs/payments/${paymentId}/decision`, { json: { decision: "approve" } })
    return paymentId
  }

  async function deliveries(query: string) {
    await call(`${control}/callbacks/idle?timeoutMs=5000`)
    return (await call(`${control}/callbacks?${query}`)).body as Array<{ state: string; attempts: Array<{ status?: number }>; copy: number; faults: string[]; event: string }>
  }

  describe("callbacks", () => {
    it("retries non-2xx answers with backoff and records every attempt", async () => {
      harness.receiver.answerNext({ status: 503 }, 2)
      const paymentId = await approvedPayment()
      const [delivery] = await deliveries(`psp=resurs&reference=${paymentId}`)
      expect(delivery.state).toBe("delivered")
      expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([503, 503, 200])
      expect(harness.receiver.received.filter((callback) => callback.body?.paymentId === paymentId)).toHaveLength(3)
    })

    it("gives up after maxAttempts", async () => {
      await call(`${control}/settings`, { method: "PUT", json: { callbackRetry: { maxAttempts: 2 } } })
      harness.receiver.answerNext({ status: 500 }, 5)
      const paymentId = await approvedPayment()
      const [delivery] = await deliveries(`reference=${paymentId}`)
      expect(delivery.state).toBe("failed")
      expect(delivery.attempts).toHaveLength(2)
    })

    it("drops a callback on request", async () => {
      await call(`${control}/callback-faults`, { json: { psp: "resurs", effect: "drop", times: 1 } })
      const paymentId = await approvedPayment()
      const [delivery] = await deliveries(`reference=${paymentId}`)
      expect(delivery).toMatchObject({ state: "dropped", faults: ["drop"], attempts: [] })
      expect(harness.receiver.received).toHaveLength(0)
    })

    it("duplicates a callback n times", async () => {
      await call(`${control}/callback-faults`, { json: { effect: "duplicate", copies: 3, times: 1 } })
      const paymentId = await approvedPayment()
      const sent = await deliveries(`reference=${paymentId}`)
      expect(sent.map((delivery) => delivery.copy)).toEqual([1, 2, 3])
      expect(harness.receiver.received.filter((callback) => callback.body?.paymentId === paymentId)).toHaveLength(3)
    })

    it("delays a callback", async () => {
      await call(`${control}/callback-faults`, { json: { effect: "delay", delayMs: 300, times: 1 } })
      const started = Date.now()
      const paymentId = await approvedPayment()
      await harness.receiver.waitFor((callback) => callback.body?.paymentId === paymentId)
      expect(Date.now() - started).toBeGreaterThanOrEqual(280)
    })

    it("reorders: a held callback arrives after the next one", async () => {
      const paymentId = await approvedPayment()
      await harness.receiver.waitFor((callback) => callback.body?.status === "AUTHORIZED")
      await call(`${control}/callback-faults`, { json: { effect: "reorder", event: "MANAGEMENT:CAPTURE", times: 1 } })
      const line = { description: "Chair", reference: "CHAIR-1", quantity: 1, vatRate: 25, totalAmountIncludingVat: 499.95 }
      await resurs.request("POST", `v2/payments/${paymentId}/capture`, { orderLines: [line] })
      await resurs.request("POST", `v2/payments/${paymentId}/refund`, { orderLines: [line] })
      await deliveries(`reference=${paymentId}`)
      const actions = harness.receiver.received.filter((callback) => callback.path === "/resurs/management").map((callback) => callback.body.action)
      expect(actions).toEqual(["REFUND", "CAPTURE"])
    })

    it("redelivers a recorded callback", async () => {
      const paymentId = await approvedPayment()
      const [delivery] = (await deliveries(`reference=${paymentId}`)) as unknown as Array<{ id: string }>
      expect((await call(`${control}/callbacks/${delivery.id}/redeliver`, { method: "POST" })).status).toBe(202)
      await deliveries(`reference=${paymentId}`)
      expect(harness.receiver.received.filter((callback) => callback.body?.paymentId === paymentId)).toHaveLength(2)
    })
  })

  describe("request faults", () => {
    it("fails N times with the PSP's error shape and Retry-After, then succeeds", async () => {
      await resurs.login()
      const fault = await call(`${control}/faults`, { json: { psp: "resurs", endpoint: "stores", effect: "error", status: 503, retryAfterSeconds: 2, times: 2 } })
      expect(fault.status).toBe(201)
      const first = await resurs.request("GET", "v2/stores")
      expect(first.status).toBe(503)
      expect(first.headers.get("retry-after")).toBe("2")
      expect(first.body).toMatchObject({ code: "SERVICE_UNAVAILABLE", traceId: expect.any(String) })
      expect((await resurs.request("GET", "v2/stores")).status).toBe(503)
      expect((await resurs.request("GET", "v2/stores")).status).toBe(200)
      expect((await call(`${control}/faults`)).body).toEqual([])
    })

    it("matches on method and path glob", async () => {
      await call(`${control}/faults`, { json: { method: "post", path: "/resurs/v2/payments/*/capture", effect: "error", status: 429 } })
      const paymentId = await approvedPayment()
      expect((await resurs.request("GET", `v2/payments/${paymentId}`)).status).toBe(200)
      expect((await resurs.request("POST", `v2/payments/${paymentId}/capture`, {})).status).toBe(429)
    })

    it("adds latency", async () => {
      await resurs.login()
      await call(`${control}/faults`, { json: { endpoint: "stores", latencyMs: 250, times: 1 } })
      const started = Date.now()
      expect((await resurs.request("GET", "v2/stores")).status).toBe(200)
      expect(Date.now() - started).toBeGreaterThanOrEqual(240)
    })

    it("hangs until the client gives up, applying nothing", async () => {
      await resurs.login()
      const paymentId = await approvedPayment()
      await call(`${control}/faults`, { json: { endpoint: "capture", effect: "hang", times: 1 } })
      const token = (await call(`${harness.sandbox.baseUrls.resurs}oauth2/token`, { form: { ...RESURS_CLIENT, grant_type: "client_credentials" } })).body.access_token
      await expect(
        fetch(`${harness.sandbox.baseUrls.resurs}v2/payments/${paymentId}/capture`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: "{}",
          signal: AbortSignal.timeout(200),
        })
      ).rejects.toThrow()
      expect((await call(`${control}/resurs/payments/${paymentId}`)).body.totals.captured).toBe("0.00")
    })

    it("applies the operation and then drops the response", async () => {
      const paymentId = await approvedPayment()
      await resurs.login()
      await call(`${control}/faults`, { json: { endpoint: "capture", effect: "drop-response", times: 1 } })
      await expect(resurs.request("POST", `v2/payments/${paymentId}/capture`, {})).rejects.toThrow()
      expect((await call(`${control}/resurs/payments/${paymentId}`)).body.totals.captured).toBe("1249.90")
      const [logged] = (await call(`${control}/requests?endpoint=capture`)).body
      expect(logged).toMatchObject({ fault: "drop-response", method: "POST" })
      expect(logged.status).toBeUndefined()
    })

    it("validates fault rules", async () => {
      const bad = await call(`${control}/faults`, { json: { effect: "error" } })
      expect(bad.status).toBe(400)
      expect(bad.body.issues).toEqual([expect.objectContaining({ path: "status" })])
    })
  })

  it("logs every request with secrets redacted", async () => {
    await resurs.createPayment(harness.receiver.url)
    const logged = (await call(`${control}/requests?psp=resurs`)).body
    expect(logged.map((entry: { endpoint: string }) => entry.endpoint)).toEqual(["token", "create-payment"])
    expect(logged[0].body).toMatchObject({ client_id: RESURS_CLIENT.client_id, client_secret: "[redacted]" })
    expect(logged[1].headers.authorization).toBe("Bearer [redacted]")
    expect(JSON.stringify(logged)).not.toContain(RESURS_CLIENT.client_secret)
    expect(logged[1].body.order.orderLines).toHaveLength(2)
  })

  it("reset forgets orders, requests, callbacks and faults", async () => {
    await approvedPayment()
    await call(`${control}/faults`, { json: { endpoint: "stores", latencyMs: 1 } })
    expect((await call(`${control}/reset`, { method: "POST" })).status).toBe(204)
    const orders = await call(`${control}/orders`)
    expect(orders.body.resurs).toEqual([])
    expect((await call(`${control}/requests`)).body).toEqual([])
    expect((await call(`${control}/callbacks`)).body).toEqual([])
    expect((await call(`${control}/faults`)).body).toEqual([])
  })

  it("lists the PSPs and their base URLs", async () => {
    const index = await call(control)
    expect(index.body.psps).toEqual(expect.arrayContaining([{ name: "resurs", title: expect.any(String), baseUrl: harness.sandbox.baseUrls.resurs }]))
  })
})
