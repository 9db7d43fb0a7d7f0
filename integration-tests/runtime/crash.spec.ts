/**
 * Crash tests with real processes: a server and a worker on one database and Redis; the process
 * doing the work is killed with SIGKILL at each boundary of a money operation and of callback
 * processing, started again, and the reconcile job (every minute) repairs what was cut off:
 *
 *   (a) the operation row written, the PSP call not made          (crash point, admin capture on the server)
 *   (b) the PSP call in flight (sandbox latency)                   (kill -9 from the test, admin capture on the server)
 *   (c) the PSP applied it, neither the ledger nor Medusa recorded  (crash point, fulfillment capture on the worker)
 *   (d) a callback acknowledged, its sync under way holding a lock (crash point, the approval callback on the worker)
 *
 * Afterwards: exactly one movement at the sandbox per case, the ledger and Medusa agree with it
 * (captured and refunded amounts, the payment collection, the order's transactions), no operation
 * lease or Redis lock stays held.
 */
import { CRASH_AT_ENV, CRASH_POINTS } from "../../src/settlement/crash-points"
import { eventually } from "../http/support/psp-sandbox"
import type { Checkout } from "../http/support/storefront"
import { sek, sekTotal, useRuntime, type Runtime } from "./support/runtime-store"

jest.setTimeout(600_000)

const OPEN = ["requested", "unknown", "accepted"]

describe("crash at every boundary: a server and a worker on Redis, killed and restarted", () => {
  const rt = useRuntime("crash", [
    { name: "server", mode: "server", env: { [CRASH_AT_ENV]: CRASH_POINTS.beforePspCall } },
    { name: "worker", mode: "worker", env: { [CRASH_AT_ENV]: CRASH_POINTS.pspAnswered } },
  ])

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Placed = { checkout: Checkout; order: any }
  let a: Placed, b: Placed, c: Placed
  let d: Checkout
  const crashedAt: Record<string, number> = {}

  /** The capture operations of the order's one instrument. */
  async function captureOperations(t: Runtime, orderId: string): Promise<{ status: string; lease_expires_at: string | null }[]> {
    const [instrument] = await t.instruments(orderId)
    return (instrument?.operations ?? []).filter((operation: { kind: string }) => operation.kind === "capture")
  }

  /** The sandbox, the ledger and Medusa all show exactly one full capture of the order, and nothing refunded. */
  async function expectCapturedOnce(t: Runtime, placed: Placed): Promise<void> {
    const total = sek(placed.checkout.total)
    const atPsp = await t.sandboxPayment(placed.checkout.pspReference)
    expect(atPsp.actions.filter((action) => action.type === "CAPTURE")).toHaveLength(1)
    expect(sek(atPsp.totals.captured)).toBe(total)
    expect(sek(atPsp.totals.refunded)).toBe(0n)

    const [instrument] = await t.instruments(placed.order.id)
    expect(sek(instrument.amounts.captured)).toBe(total)
    expect(sek(instrument.amounts.refunded)).toBe(0n)
    const captures = instrument.operations.filter((operation: { kind: string }) => operation.kind === "capture")
    expect(captures.map((operation: { status: string }) => operation.status)).toEqual(["succeeded"])
    expect(instrument.reconcile_issue).toBeNull()

    const order = await t.order(placed.order.id)
    const [collection] = order.payment_collections
    expect(collection.status).toBe("completed")
    const [payment] = collection.payments
    expect(payment.captures).toHaveLength(1)
    expect(sekTotal(payment.captures)).toBe(total)
    expect(sekTotal(payment.refunds)).toBe(0n)
    const transactions = (order.transactions ?? []) as { reference: string; amount: unknown }[]
    expect(sekTotal(transactions.filter((transaction) => transaction.reference === "capture"))).toBe(total)
    expect(transactions.filter((transaction) => transaction.reference === "refund")).toEqual([])
  }

  it("places the orders (the sandbox's management callbacks dropped: the crashes decide what runs where)", async () => {
    const t = rt()
    // a capture's MANAGEMENT callback would start a callback sync on the worker at any moment
    expect((await t.control.post("/_sandbox/callback-faults", { psp: "resurs", event: "MANAGEMENT:CAPTURE", effect: "drop" })).status).toBe(201)
    a = await t.placedOrder()
    b = await t.placedOrder()
    c = await t.placedOrder()
    await eventually(async () => ((await t.query("select 1 from payment_sync_request where deleted_at is null")).length === 0 ? true : undefined), 60_000, "syncs done")
  })

  it("(c) the worker dies after the PSP applied a fulfillment's capture, before anything recorded it", async () => {
    const t = rt()
    const { worker } = t.processes
    const items = c.order.items.map((item: { id: string; quantity: unknown }) => ({ id: item.id, quantity: Number(item.quantity) }))
    expect((await t.fulfill(c.order.id, items)).status).toBe(200)
    await worker.exited()
    crashedAt.c = Date.now()
    const atPsp = await t.sandboxPayment(c.checkout.pspReference)
    expect(sek(atPsp.totals.captured)).toBe(sek(c.checkout.total))
    expect((await captureOperations(t, c.order.id)).map((operation) => operation.status)).toEqual(["requested"])
  })

  it("(a) the server dies after writing the admin capture's operation, before calling the PSP", async () => {
    const t = rt()
    const { server } = t.processes
    const paymentId = a.order.payment_collections[0].payments[0].id as string
    const request = t.adminOn(server).post(`/admin/payments/${paymentId}/capture`, { amount: a.checkout.total })
    await expect(request).rejects.toThrow()
    await server.exited()
    crashedAt.a = Date.now()
    expect(sek((await t.sandboxPayment(a.checkout.pspReference)).totals.captured)).toBe(0n)
  })

  it("(d) the worker dies inside a callback's sync; (b) the server is killed while the PSP call is in flight", async () => {
    const t = rt()
    const { server, worker } = t.processes
    await Promise.all([server.start({ [CRASH_AT_ENV]: undefined }), worker.start({ [CRASH_AT_ENV]: CRASH_POINTS.callbackSync })])

    // (d): the shopper approves and never comes back; the server acknowledges the approval
    // callback and its sync dies on the worker with the payment's lock held
    d = await t.checkout()
    await t.decide(d.pspReference, "approve")
    await worker.exited()
    crashedAt.d = Date.now()
    expect(await t.ordersOfCart(d.cartId)).toEqual([])
    const workerBack = worker.start({ [CRASH_AT_ENV]: undefined })

    // (b): the sandbox takes 8 s to answer the capture; the server is killed while it waits
    await t.control.post("/_sandbox/faults", { psp: "resurs", endpoint: "capture", latencyMs: 8000, times: 1 })
    const paymentId = b.order.payment_collections[0].payments[0].id as string
    const request = t.adminOn(server).post(`/admin/payments/${paymentId}/capture`, { amount: b.checkout.total })
    request.catch(() => undefined)
    await eventually(
      async () => ((await captureOperations(t, b.order.id)).some((operation) => operation.status === "requested") ? true : undefined),
      30_000,
      "the capture sent"
    )
    // the row is written just before the call; the sandbox holds the call 8 s
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await server.kill9()
    crashedAt.b = Date.now()
    await expect(request).rejects.toThrow()
    // the PSP applied the capture after its caller was gone
    await eventually(async () => (sek((await t.sandboxPayment(b.checkout.pspReference)).totals.captured) > 0n ? true : undefined), 30_000, "(b) applied")

    await Promise.all([workerBack, server.start({ [CRASH_AT_ENV]: undefined })])
  })

  it("after the restart the reconcile job repairs every case: one movement at the PSP, the ledger and Medusa agree, nothing stays locked", async () => {
    const t = rt()
    const started = Date.now()
    // Medusa records a capture in steps without one transaction (Capture row, collection totals,
    // order transaction): a record the crash cut in half is completed by the job's next tick
    await eventually(
      async () => {
        for (const placed of [a, b, c]) {
          await expectCapturedOnce(t, placed)
        }
        return (await t.ordersOfCart(d.cartId)).length === 1 ? true : undefined
      },
      240_000,
      "the reconcile job's repairs"
    )
    const sinceCrash = Object.fromEntries(Object.entries(crashedAt).map(([name, at]) => [name, Math.round((Date.now() - at) / 1000)]))
    console.log(`all repaired ${Math.round((Date.now() - started) / 1000)} s after the restart; seconds since each crash: ${JSON.stringify(sinceCrash)}`)

    // (d): one order, its payment authorized once, nothing captured or canceled at the PSP
    const [orderId] = await t.ordersOfCart(d.cartId)
    const order = await eventually(
      async () => {
        const candidate = await t.order(orderId)
        return candidate.metadata?.psp_payment?.state === "processing" ? candidate : undefined
      },
      90_000,
      "(d)'s order marked processing"
    )
    expect(order.payment_collections[0].status).toBe("authorized")
    expect(order.payment_collections[0].payments).toHaveLength(1)
    const atPsp = await t.sandboxPayment(d.pspReference)
    expect(sek(atPsp.totals.captured)).toBe(0n)
    expect(sek(atPsp.totals.canceled)).toBe(0n)
    const [instrument] = await t.instruments(orderId)
    expect(sek(instrument.amounts.authorized)).toBe(sek(atPsp.totals.authorized))
    expect(sek(instrument.amounts.authorized)).toBe(sek(d.total))

    // no operation in flight or leased, no callback unprocessed, no sync asked for, no lock held
    expect(await t.query("select id from payment_operation where status in ('requested', 'unknown', 'accepted') and deleted_at is null")).toEqual([])
    expect(await t.query("select id from payment_operation where lease_expires_at > now() and deleted_at is null")).toEqual([])
    await eventually(
      async () => ((await t.query("select 1 from payment_callback where processed_at is null and deleted_at is null")).length === 0 ? true : undefined),
      60_000,
      "callbacks processed"
    )
    await eventually(async () => ((await t.redisKeys("medusa_lock:*")).length === 0 ? true : undefined), 90_000, "no Redis lock left")
  })
})
