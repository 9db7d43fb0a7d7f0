/**
 * The production runtime with two shared Medusa processes (each serves HTTP, consumes events and
 * may run jobs) on one database and one Redis: nothing the plugin needs lives in one process's
 * memory, so callbacks, captures and the reconcile job spread over both still have one effect.
 */
import { eventually } from "../http/support/psp-sandbox"
import { sek, sekTotal, useRuntime } from "./support/runtime-store"

jest.setTimeout(300_000)

/** A deterministic shuffle (the order of a run is reproducible from its seed). */
function shuffled<T>(items: T[], seed: number): T[] {
  const result = [...items]
  let state = seed
  for (let i = result.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31
    const j = state % (i + 1)
    ;[result[i], result[j]] = [result[j], result[i]]
  }
  return result
}

/** Waits until the wall clock is at `second` (0–59) of a minute; the reconcile job ticks at second 0. */
async function untilSecond(second: number): Promise<void> {
  const now = new Date()
  const wait = ((second - now.getSeconds() + 60) % 60) * 1000 - now.getMilliseconds()
  await new Promise((resolve) => setTimeout(resolve, wait < 0 ? wait + 60_000 : wait))
}

describe("production runtime: two shared processes on one Redis", () => {
  const rt = useRuntime("two", [
    { name: "a", mode: "shared" },
    { name: "b", mode: "shared" },
  ])

  it("keeps an undecided payment for the scheduled job to poll (the job test below reads its runs)", async () => {
    // the shopper is still on the PSP's page: the reconcile job reads this payment on every tick
    const checkout = await rt().checkout([1, 1, 1])
    expect(checkout.pspReference).toBeTruthy()
  })

  it("callbacks for one payment spread across both processes (50 duplicates, reordered stale ones): one order, one authorization", async () => {
    const t = rt()
    const { a, b } = t.processes
    // the shopper approves and never comes back; the sandbox's own callbacks are dropped, so every
    // delivery the store sees is one of the test's
    const drop = await t.control.post("/_sandbox/callback-faults", { psp: "resurs", effect: "drop" })
    expect(drop.status).toBe(201)
    const checkout = await t.checkout()
    await t.decide(checkout.pspReference, "approve")

    const body = (status: string) => ({ paymentId: checkout.pspReference, status, created: new Date().toISOString() })
    const deliveries = shuffled(
      [
        ...Array.from({ length: 50 }, () => body("AUTHORIZED")),
        // older or forged states arriving late: hints only, the PSP is read back
        ...Array.from({ length: 5 }, () => body("FROZEN")),
        ...Array.from({ length: 5 }, () => body("REJECTED")),
        ...Array.from({ length: 3 }, (_, i) => ({ paymentId: checkout.pspReference, action: "CAPTURE", actionId: `stale-${i}` })),
      ],
      20261130
    )
    const answers: number[] = []
    for (let wave = 0; wave < deliveries.length; wave += 12) {
      const batch = deliveries.slice(wave, wave + 12)
      answers.push(
        ...(await Promise.all(
          batch.map(async (delivery, index) => (await t.api(index % 2 ? b : a).post("/hooks/psp/resurs_resurs", delivery)).status)
        ))
      )
    }
    expect(answers.every((status) => status === 202)).toBe(true)

    const orderId = await eventually(
      async () => {
        const orders = await t.ordersOfCart(checkout.cartId)
        return orders.length ? orders[0] : undefined
      },
      90_000,
      "the order the callbacks complete"
    )
    const order = await eventually(
      async () => {
        const candidate = await t.order(orderId)
        return candidate.metadata?.psp_payment?.state === "processing" ? candidate : undefined
      },
      60_000,
      "the order marked processing"
    )
    // every delivery processed, nothing left asked for
    await eventually(
      async () => {
        const open = await t.query("select 1 from payment_callback where processed_at is null and deleted_at is null")
        const syncs = await t.query("select 1 from payment_sync_request where deleted_at is null")
        return open.length === 0 && syncs.length === 0 ? true : undefined
      },
      60_000,
      "callbacks processed"
    )

    expect(await t.ordersOfCart(checkout.cartId)).toEqual([orderId])
    // completing the cart again returns that order
    const again = await t.shop.complete(checkout.cartId)
    expect(again.data.type).toBe("order")
    expect(again.data.order.id).toBe(orderId)

    const payments = order.payment_collections.flatMap((collection: { payments: unknown[] }) => collection.payments)
    expect(payments).toHaveLength(1)
    expect(order.payment_collections[0].status).toBe("authorized")
    const atPsp = await t.sandboxPayment(checkout.pspReference)
    expect(atPsp.status).toBe("ACCEPTED")
    expect(sek(atPsp.totals.captured)).toBe(0n)
    expect(sek(atPsp.totals.canceled)).toBe(0n)
    const [instrument] = await t.instruments(orderId)
    expect(sek(instrument.amounts.authorized)).toBe(sek(atPsp.totals.authorized))
    expect(instrument.operations.filter((operation: { kind: string }) => operation.kind !== "authorize")).toEqual([])
    expect(instrument.reconcile_issue).toBeNull()
    await t.control.delete(`/_sandbox/callback-faults/${drop.data.id}`)
  })

  it("a capture retried on one process while the reconcile job settles its lost answer: one capture at the PSP", async () => {
    const t = rt()
    const { a, b } = t.processes
    const { checkout, order } = await t.placedOrder()
    const paymentId = order.payment_collections[0].payments[0].id as string
    const amount = Number(order.payment_collections[0].payments[0].amount)

    // ten seconds before a tick: the PSP applies the capture and its answer is lost (unknown outcome)
    await untilSecond(50)
    await t.control.post("/_sandbox/faults", { psp: "resurs", endpoint: "capture", effect: "drop-response", times: 1 })
    const first = await t.adminOn(a).post(`/admin/payments/${paymentId}/capture`, { amount })
    expect([202, 500]).toContain(first.status)
    await t.control.delete("/_sandbox/faults")

    // at the tick: the admin retries on both processes while the job (on either) settles it
    await untilSecond(0)
    const capture = (process: typeof a) => t.adminOn(process).post(`/admin/payments/${paymentId}/capture`, { amount })
    const retries = (await Promise.all([capture(b), capture(a), capture(b)])).map((response) => response.status)
    const until = Date.now() + 4_000
    while (Date.now() < until) {
      retries.push((await capture(b)).status)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }

    await eventually(
      async () => {
        const [instrument] = await t.instruments(order.id)
        const open = instrument.operations.some((operation: { status: string }) => ["requested", "unknown", "accepted"].includes(operation.status))
        const recorded = sekTotal((await t.order(order.id)).payment_collections[0].payments[0].captures)
        return !open && recorded === sek(checkout.total) ? true : undefined
      },
      120_000,
      "the capture settled and recorded"
    )
    const atPsp = await t.sandboxPayment(checkout.pspReference)
    expect(atPsp.actions.filter((action) => action.type === "CAPTURE")).toHaveLength(1)
    expect(sek(atPsp.totals.captured)).toBe(sek(checkout.total))
    const settled = await t.order(order.id)
    expect(settled.payment_collections[0].payments[0].captures).toHaveLength(1)
    expect(settled.payment_collections[0].status).toBe("completed")
    const [instrument] = await t.instruments(order.id)
    expect(sek(instrument.amounts.captured)).toBe(sek(checkout.total))
    expect(instrument.operations.filter((operation: { kind: string; status: string }) => operation.kind === "capture" && operation.status === "succeeded")).toHaveLength(1)
    // what the admin saw: the retries after the settlement are answered, never sent to the PSP again
    console.log(`first attempt ${first.status}; retries across the tick: ${retries.join(" ")}`)
    expect(retries.length).toBeGreaterThan(0)
  })

  it("the scheduled reconcile job runs once per tick across both processes", async () => {
    const t = rt()
    // the job's runs as both processes logged them, by minute (it logs when it did something, and
    // the undecided payment gives it something on every tick)
    const runsByMinute = () => {
      const runs = new Map<string, string[]>()
      for (const [name, process] of Object.entries(t.processes)) {
        for (const line of process.log().split("\n")) {
          if (line.includes("reconcile-payments:")) {
            const minute = (JSON.parse(line) as { timestamp: string }).timestamp.slice(0, 16)
            runs.set(minute, [...(runs.get(minute) ?? []), name])
          }
        }
      }
      return runs
    }
    const runs = await eventually(async () => (runsByMinute().size >= 2 ? runsByMinute() : undefined), 150_000, "two ticks of the job")
    for (const [minute, processes] of runs) {
      expect({ minute, processes }).toEqual({ minute, processes: [expect.any(String)] })
    }
  })
})
