/**
 * `npm run bench`: the plugin against Medusa core, side by side, in one run.
 *
 *   medusa build (production) → two fresh databases, migrated and seeded alike → the PSP sandbox →
 *   the store with the plugin and the same store without it (MEDUSA_ORDER_PAYMENTS_DISABLED=true,
 *   the plugin's code left out), both `medusa start`, NODE_ENV=production, one process each →
 *   interleaved rounds of: callback acknowledgement (unique, duplicates, then with 200,000 old
 *   inbox rows), drain, CPU per callback, and per-order lifecycle latency → PSP calls per
 *   operation → a table of ratios.
 *
 * A benchmark, not a test: it asserts nothing and is never run by `npm test`. Absolute numbers
 * depend on the machine and what else runs on it; ratios from interleaved rounds are what counts.
 * See bench/README.md for what each figure measures. Ports 9600-9699 (BENCH_PORT_BASE).
 */
import autocannon from "autocannon"
import { randomUUID } from "node:crypto"
import { Client } from "pg"
import {
  buildForProduction,
  cpuMs,
  databaseUrl,
  dropDatabase,
  prepareDatabase,
  rssMiB,
  startSandbox,
  startStore,
  storeEnv,
  type DemoStore,
  type RunningProcess,
  type StoreKind,
} from "./stores"

const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 9600)
const PORTS = { sandbox: PORT_BASE + 1, plugin: PORT_BASE + 10, core: PORT_BASE + 20 }
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
/** payments the callbacks are spread over */
const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 20)
const OLD_INBOX_ROWS = Number(process.env.BENCH_INBOX_ROWS ?? 200_000)
const ORDERS_PER_ROUND = Number(process.env.BENCH_ORDERS_PER_ROUND ?? 1)
const HINT_BURST = 100
const RUN_ID = `${Date.now().toString(36)}`
const SANDBOX = `http://localhost:${PORTS.sandbox}`
const PLUGIN_CALLBACK_PATH = "/hooks/psp/resurs_resurs"
const CORE_CALLBACK_PATH = "/hooks/payment/system_default"

type Store = {
  kind: StoreKind
  url: string
  database: string
  process: RunningProcess
  demo: DemoStore
  db: Client
  adminToken: string
  variants: string[]
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN
}
const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`)

async function http(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; data: any }> {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  let data: unknown = text
  try {
    data = text ? JSON.parse(text) : undefined
  } catch {
    // not JSON
  }
  return { status: response.status, data }
}

async function ok(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const response = await http(method, url, body, headers)
  if (response.status >= 300) {
    throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(response.data).slice(0, 400)}`)
  }
  return response.data
}

// --- the shop: what a storefront and an admin do -----------------------------------------------

const store = (s: Store) => ({ "x-publishable-api-key": s.demo.publishableKey })
const admin = (s: Store) => ({ authorization: `Bearer ${s.adminToken}` })

async function cartReadyToPay(s: Store): Promise<string> {
  const created = await ok("POST", `${s.url}/store/carts`, {
    region_id: s.demo.regions.sek,
    email: "bench@example.com",
    items: s.variants.map((variant_id, index) => ({ variant_id, quantity: index + 1 })),
  }, store(s))
  const cartId = created.cart.id as string
  await ok("POST", `${s.url}/store/carts/${cartId}`, {
    shipping_address: { first_name: "Sven", last_name: "Svensson", address_1: "Storgatan 1", city: "Stockholm", postal_code: "11122", country_code: "se", phone: "0701234567" },
  }, store(s))
  const options = await ok("GET", `${s.url}/store/shipping-options?cart_id=${cartId}`, undefined, store(s))
  await ok("POST", `${s.url}/store/carts/${cartId}/shipping-methods`, { option_id: options.shipping_options[0].id }, store(s))
  return cartId
}

type Paid = { cartId: string; collectionId: string; pspReference?: string }

async function paymentSession(s: Store, cartId: string): Promise<Paid> {
  const collection = await ok("POST", `${s.url}/store/payment-collections`, { cart_id: cartId }, store(s))
  const collectionId = collection.payment_collection.id as string
  const provider = s.kind === "plugin" ? "pp_resurs_resurs" : "pp_system_default"
  const session = await ok("POST", `${s.url}/store/payment-collections/${collectionId}/payment-sessions`, { provider_id: provider }, store(s))
  const pspReference = session.payment_collection.payment_sessions[0].data?.psp_reference as string | undefined
  return { cartId, collectionId, ...(pspReference ? { pspReference } : {}) }
}

async function approveAtPsp(pspReference: string): Promise<void> {
  await ok("POST", `${SANDBOX}/_sandbox/resurs/payments/${pspReference}/decision`, { decision: "approve" })
}

async function complete(s: Store, cartId: string): Promise<string> {
  const completed = await http("POST", `${s.url}/store/carts/${cartId}/complete`, undefined, store(s))
  if (completed.data?.type === "order") {
    return completed.data.order.id as string
  }
  // the callback's sync may have completed the cart first: the order is the cart's
  const { rows } = await s.db.query(`SELECT order_id FROM order_cart WHERE cart_id = $1 AND deleted_at IS NULL`, [cartId])
  if (rows[0]) {
    return rows[0].order_id
  }
  throw new Error(`cart ${cartId} not completed: ${completed.status} ${JSON.stringify(completed.data).slice(0, 300)}`)
}

async function orderItems(s: Store, orderId: string): Promise<{ id: string; quantity: number }[]> {
  const { order } = await ok("GET", `${s.url}/admin/orders/${orderId}?fields=id,*items`, undefined, admin(s))
  return order.items.map((item: { id: string; quantity: number }) => ({ id: item.id, quantity: Number(item.quantity) }))
}

async function paymentOf(s: Store, collectionId: string): Promise<string> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(50)) {
    const { rows } = await s.db.query(`SELECT id FROM payment WHERE payment_collection_id = $1 AND deleted_at IS NULL`, [collectionId])
    if (rows[0]) {
      return rows[0].id
    }
  }
  throw new Error(`no payment for collection ${collectionId}`)
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(25)) {
    if (await check()) {
      return
    }
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function recorded(s: Store, paymentId: string, table: "capture" | "refund"): Promise<boolean> {
  const { rows } = await s.db.query(`SELECT count(*)::int AS n FROM "${table}" WHERE payment_id = $1 AND deleted_at IS NULL`, [paymentId])
  return rows[0].n > 0
}

async function fulfill(s: Store, orderId: string, items: { id: string; quantity: number }[]): Promise<void> {
  await ok("POST", `${s.url}/admin/orders/${orderId}/fulfillments`, { items, location_id: s.demo.stockLocationId }, admin(s))
}

async function receiveReturn(s: Store, orderId: string, items: { id: string; quantity: number }[]): Promise<void> {
  const created = await ok("POST", `${s.url}/admin/returns`, { order_id: orderId, location_id: s.demo.stockLocationId }, admin(s))
  const returnId = created.return.id as string
  await ok("POST", `${s.url}/admin/returns/${returnId}/request-items`, { items }, admin(s))
  await ok("POST", `${s.url}/admin/returns/${returnId}/shipping-method`, { shipping_option_id: s.demo.returnShippingOptions.sek }, admin(s))
  await ok("POST", `${s.url}/admin/returns/${returnId}/request`, {}, admin(s))
  await ok("POST", `${s.url}/admin/returns/${returnId}/receive`, {}, admin(s))
  await ok("POST", `${s.url}/admin/returns/${returnId}/receive-items`, { items }, admin(s))
  await ok("POST", `${s.url}/admin/returns/${returnId}/receive/confirm`, {}, admin(s))
}

/** Everything the plugin asked the PSP and its callbacks asked for is done. */
async function pluginIdle(s: Store): Promise<void> {
  let quietChecks = 0
  await until("the plugin idle", async () => {
    await http("GET", `${SANDBOX}/_sandbox/callbacks/idle?timeoutMs=15000`)
    const { rows } = await s.db.query(
      `SELECT (SELECT count(*) FROM payment_sync_request WHERE deleted_at IS NULL)::int
            + (SELECT count(*) FROM payment_callback WHERE processed_at IS NULL AND deleted_at IS NULL)::int AS open`
    )
    quietChecks = rows[0].open === 0 ? quietChecks + 1 : 0
    if (quietChecks < 3) {
      await sleep(250)
    }
    return quietChecks >= 3
  }, 120_000)
}

/**
 * One order from cart to refund, timed as the store's work: the shopper's time on the PSP's page
 * (the sandbox decision) is left out. The plugin captures on fulfillment and refunds on return by
 * itself; core's admin captures and refunds with its buttons (the same Medusa workflows).
 */
async function lifecycle(s: Store): Promise<number> {
  let elapsed = 0
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    try {
      return await work()
    } finally {
      elapsed += performance.now() - started
    }
  }
  const paid = await timed(async () => paymentSession(s, await cartReadyToPay(s)))
  if (paid.pspReference) {
    await approveAtPsp(paid.pspReference)
  }
  const orderId = await timed(() => complete(s, paid.cartId))
  const items = await orderItems(s, orderId)
  const paymentId = await paymentOf(s, paid.collectionId)
  await timed(async () => {
    await fulfill(s, orderId, items)
    if (s.kind === "core") {
      await ok("POST", `${s.url}/admin/payments/${paymentId}/capture`, {}, admin(s))
    }
    await until("the capture recorded", () => recorded(s, paymentId, "capture"))
  })
  await timed(async () => {
    await receiveReturn(s, orderId, items)
    if (s.kind === "core") {
      await ok("POST", `${s.url}/admin/payments/${paymentId}/refund`, {}, admin(s))
    }
    await until("the refund recorded", () => recorded(s, paymentId, "refund"))
  })
  return elapsed
}

// --- callback load ------------------------------------------------------------------------------

type LoadResult = { rps: number; p99: number; ok: number; errors: number }

async function load(url: string, body: (counter: number) => unknown): Promise<LoadResult> {
  let counter = 0
  const result = await autocannon({
    url,
    method: "POST",
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { "content-type": "application/json" },
    requests: [{ setupRequest: (request: any) => ({ ...request, body: JSON.stringify(body(counter++)) }) }],
  })
  return { rps: result.requests.average, p99: result.latency.p99, ok: result["2xx"], errors: result.non2xx + result.errors + result.timeouts }
}

/** Waits until the store has processed what it acknowledged; returns how long that took (ms). */
async function drain(s: Store): Promise<number> {
  const started = performance.now()
  if (s.kind === "plugin") {
    await pluginIdle(s)
  } else {
    // core delays each webhook event (webhook_delay, 5 s by default) and then handles it
    await sleep(5000)
  }
  // and until the process is idle: under 3% of a core over half a second, twice
  let idle = 0
  for (const deadline = Date.now() + 120_000; idle < 2 && Date.now() < deadline; ) {
    const before = cpuMs(s.process.pid)
    await sleep(500)
    idle = cpuMs(s.process.pid) - before < 15 ? idle + 1 : 0
  }
  return performance.now() - started
}

type Phase = "unique" | "duplicates" | "duplicates, 200k old inbox rows"

async function callbackRound(s: Store, phase: Phase, references: string[]): Promise<LoadResult & { drainMs: number; cpuPerCallbackMs: number }> {
  const run = `${RUN_ID}-${randomUUID().slice(0, 8)}`
  const body = (counter: number) => {
    const paymentId = references[counter % references.length]
    const actionId = phase === "unique" ? `bench-${run}-${counter}` : `bench-duplicate-${paymentId}`
    return { paymentId, action: "CAPTURE", actionId, created: new Date().toISOString() }
  }
  const url = `${s.url}${s.kind === "plugin" ? PLUGIN_CALLBACK_PATH : CORE_CALLBACK_PATH}`
  const cpuBefore = cpuMs(s.process.pid)
  const result = await load(url, body)
  const drainMs = await drain(s)
  const cpu = cpuMs(s.process.pid) - cpuBefore
  return { ...result, drainMs, cpuPerCallbackMs: cpu / Math.max(1, result.ok) }
}

// --- PSP calls per operation --------------------------------------------------------------------

type LoggedRequest = { at: string; psp?: string; endpoint?: string; method: string; path: string }

async function pspCallsSince(since: string, reference: string): Promise<Record<string, number>> {
  const requests = (await ok("GET", `${SANDBOX}/_sandbox/requests?psp=resurs`)) as LoggedRequest[]
  const counts: Record<string, number> = {}
  for (const request of requests) {
    if (request.at >= since && request.path.includes(reference)) {
      const name = request.endpoint ?? `${request.method} ${request.path}`
      counts[name] = (counts[name] ?? 0) + 1
    }
  }
  return counts
}

async function pspCallsPerOperation(s: Store): Promise<Record<string, Record<string, number>>> {
  const paid = await paymentSession(s, await cartReadyToPay(s))
  const reference = paid.pspReference!
  const sinceApproval = new Date().toISOString()
  await approveAtPsp(reference)
  const orderId = await complete(s, paid.cartId)
  await pluginIdle(s)
  const checkout = await pspCallsSince(sinceApproval, reference)

  const items = await orderItems(s, orderId)
  const paymentId = await paymentOf(s, paid.collectionId)
  const sinceFulfillment = new Date().toISOString()
  await fulfill(s, orderId, items)
  await until("the capture recorded", () => recorded(s, paymentId, "capture"))
  await pluginIdle(s)
  const capture = await pspCallsSince(sinceFulfillment, reference)

  const sinceReturn = new Date().toISOString()
  await receiveReturn(s, orderId, items)
  await until("the refund recorded", () => recorded(s, paymentId, "refund"))
  await pluginIdle(s)
  const refund = await pspCallsSince(sinceReturn, reference)

  // a burst of hints for one payment: how many reads it costs
  const sinceBurst = new Date().toISOString()
  await Promise.all(
    Array.from({ length: HINT_BURST }, (_, index) =>
      http("POST", `${s.url}${PLUGIN_CALLBACK_PATH}`, { paymentId: reference, action: "CAPTURE", actionId: `burst-${RUN_ID}-${index}`, created: new Date().toISOString() })
    )
  )
  await pluginIdle(s)
  const burst = await pspCallsSince(sinceBurst, reference)
  return { "cart completion (approval → order synced)": checkout, "capture on fulfillment": capture, "refund on return": refund, [`burst of ${HINT_BURST} hints`]: burst }
}

// --- the run ------------------------------------------------------------------------------------

async function openStore(kind: StoreKind): Promise<Store> {
  const database = `bench_${kind}_${RUN_ID}`
  const port = PORTS[kind]
  const env = storeEnv(kind, database, port, SANDBOX)
  log(`${kind}: database ${database}, migrations and seed`)
  const demo = await prepareDatabase(kind, database, env)
  log(`${kind}: medusa start on :${port}`)
  const running = await startStore(kind, env, port)
  const db = new Client({ connectionString: databaseUrl(database) })
  await db.connect()
  const url = `http://localhost:${port}`
  const login = await ok("POST", `${url}/auth/user/emailpass`, demo.admin)
  const s: Store = { kind, url, database, process: running, demo, db, adminToken: login.token, variants: [] }
  const products = await ok("GET", `${url}/store/products?region_id=${demo.regions.sek}&fields=*variants`, undefined, store(s))
  s.variants = (products.products as { handle: string; variants: { id: string }[] }[])
    .sort((a, b) => a.handle.localeCompare(b.handle))
    .map((product) => product.variants[0].id)
  return s
}

function ratio(plugin: number, core: number): string {
  return Number.isFinite(plugin / core) ? `${(plugin / core).toFixed(2)}` : "n/a"
}

async function main(): Promise<void> {
  const started = Date.now()
  log(`medusa build${process.env.BENCH_SKIP_BUILD === "true" ? " (skipped: BENCH_SKIP_BUILD)" : ""}`)
  buildForProduction(process.env.BENCH_SKIP_BUILD === "true")
  const sandbox = await startSandbox(PORTS.sandbox)
  const stores: Store[] = []
  try {
    // one at a time: two boots at once on two cores skew each other's RSS and timings
    stores.push(await openStore("plugin"))
    stores.push(await openStore("core"))
    const [plugin, core] = stores
    await sleep(3000)
    const rssAfterBoot = { plugin: rssMiB(plugin.process.pid), core: rssMiB(core.process.pid) }
    log(`RSS after boot: plugin ${rssAfterBoot.plugin.toFixed(1)} MiB, core ${rssAfterBoot.core.toFixed(1)} MiB`)

    log(`plugin: ${PAYMENTS} placed orders for the callbacks to name`)
    const references: string[] = []
    for (let index = 0; index < PAYMENTS; index++) {
      const paid = await paymentSession(plugin, await cartReadyToPay(plugin))
      await approveAtPsp(paid.pspReference!)
      await complete(plugin, paid.cartId)
      references.push(paid.pspReference!)
    }
    await pluginIdle(plugin)
    // the duplicates' first copies, stored and processed before the load
    for (const reference of references) {
      await ok("POST", `${plugin.url}${PLUGIN_CALLBACK_PATH}`, { paymentId: reference, action: "CAPTURE", actionId: `bench-duplicate-${reference}`, created: new Date().toISOString() })
    }
    await pluginIdle(plugin)

    const results: Record<Phase, { plugin: Awaited<ReturnType<typeof callbackRound>>[]; core: Awaited<ReturnType<typeof callbackRound>>[] }> = {
      unique: { plugin: [], core: [] },
      duplicates: { plugin: [], core: [] },
      "duplicates, 200k old inbox rows": { plugin: [], core: [] },
    }
    const latency: { plugin: number[]; core: number[] } = { plugin: [], core: [] }
    // RSS after every round: memory that levels off is bounded, memory that climbs round after round is not
    const rssAfterRound: { plugin: number[]; core: number[] } = { plugin: [], core: [] }
    for (const phases of [["unique", "duplicates"], ["duplicates, 200k old inbox rows"]] as Phase[][]) {
      if (phases[0].includes("200k")) {
        log(`plugin: ${OLD_INBOX_ROWS} old, processed callbacks into the inbox`)
        await plugin.db.query(
          `INSERT INTO payment_callback (id, provider_id, dedup_key, psp_reference, verified, received_at, processed_at, outcome, payload, instrument_id)
           SELECT 'pcb_bench_old_' || g, 'pp_resurs_resurs', 'management:bench-old-' || g, NULL, false,
                  now() - interval '30 days', now() - interval '30 days', 'no_change', '{}'::jsonb, NULL
             FROM generate_series(1, $1::int) AS g`,
          [OLD_INBOX_ROWS]
        )
        await plugin.db.query(`VACUUM ANALYZE payment_callback`)
      }
      for (let round = 1; round <= ROUNDS; round++) {
        for (const phase of phases) {
          // interleaved, and the order alternates per round: neither store always goes first
          for (const s of round % 2 ? [plugin, core] : [core, plugin]) {
            const result = await callbackRound(s, phase, references)
            results[phase][s.kind].push(result)
            log(`round ${round} ${phase} ${s.kind}: ${result.rps.toFixed(1)} req/s, p99 ${result.p99} ms, ${result.errors} errors, drain ${(result.drainMs / 1000).toFixed(1)} s, CPU ${result.cpuPerCallbackMs.toFixed(2)} ms/callback`)
          }
        }
        for (const s of [plugin, core]) {
          rssAfterRound[s.kind].push(rssMiB(s.process.pid))
        }
        if (!phases[0].includes("200k")) {
          for (const s of round % 2 ? [plugin, core] : [core, plugin]) {
            for (let order = 0; order < ORDERS_PER_ROUND; order++) {
              const ms = await lifecycle(s)
              latency[s.kind].push(ms)
              log(`round ${round} lifecycle ${s.kind}: ${ms.toFixed(0)} ms`)
            }
          }
        }
      }
    }

    log("plugin: PSP calls per operation")
    const calls = await pspCallsPerOperation(plugin)
    await sleep(2000)
    const rssAfterLoad = { plugin: rssMiB(plugin.process.pid), core: rssMiB(core.process.pid) }

    const rows: string[][] = []
    for (const phase of Object.keys(results) as Phase[]) {
      const p = results[phase].plugin
      const c = results[phase].core
      const rpsP = median(p.map((r) => r.rps))
      const rpsC = median(c.map((r) => r.rps))
      rows.push([`acknowledged callbacks/s, ${phase} (median)`, rpsP.toFixed(1), rpsC.toFixed(1), ratio(rpsP, rpsC)])
      const p99P = median(p.map((r) => r.p99))
      const p99C = median(c.map((r) => r.p99))
      rows.push([`acknowledgement p99 ms, ${phase}`, String(p99P), String(p99C), ratio(p99P, p99C)])
      if (phase === "unique") {
        const drainP = median(p.map((r) => r.drainMs)) / 1000
        const drainC = median(c.map((r) => r.drainMs)) / 1000
        rows.push([`drain after the load, s (core: its 5 s webhook delay + idle)`, drainP.toFixed(1), drainC.toFixed(1), ratio(drainP, drainC)])
        const cpuP = median(p.map((r) => r.cpuPerCallbackMs))
        const cpuC = median(c.map((r) => r.cpuPerCallbackMs))
        rows.push([`server CPU per callback incl. processing, ms`, cpuP.toFixed(2), cpuC.toFixed(2), ratio(cpuP, cpuC)])
      }
      const errors = [...p, ...c].reduce((total, r) => total + r.errors, 0)
      if (errors) {
        rows.push([`non-2xx or failed requests, ${phase}`, String(p.reduce((t, r) => t + r.errors, 0)), String(c.reduce((t, r) => t + r.errors, 0)), ""])
      }
    }
    const latP = median(latency.plugin)
    const latC = median(latency.core)
    rows.push([`order lifecycle latency, ms (cart → refund; plugin: Resurs, core: pp_system_default)`, latP.toFixed(0), latC.toFixed(0), ratio(latP, latC)])
    const difference = (plugin: number, core: number) => `${plugin >= core ? "+" : ""}${(plugin - core).toFixed(1)} MiB`
    rows.push([`RSS after boot, MiB`, rssAfterBoot.plugin.toFixed(1), rssAfterBoot.core.toFixed(1), difference(rssAfterBoot.plugin, rssAfterBoot.core)])
    rows.push([`RSS after the load, MiB`, rssAfterLoad.plugin.toFixed(1), rssAfterLoad.core.toFixed(1), difference(rssAfterLoad.plugin, rssAfterLoad.core)])
    const series = (values: number[]) => values.map((value) => value.toFixed(0)).join(" → ")
    rows.push([`RSS after each callback round, MiB`, series(rssAfterRound.plugin), series(rssAfterRound.core), ""])

    console.log("")
    console.log(`## npm run bench — ${new Date().toISOString().slice(0, 10)}, ${ROUNDS} interleaved rounds, ${CONNECTIONS} connections × ${SECONDS} s, ${PAYMENTS} payments`)
    console.log("")
    console.log("| figure | plugin | core | plugin / core |")
    console.log("|---|---|---|---|")
    for (const row of rows) {
      console.log(`| ${row.join(" | ")} |`)
    }
    console.log("")
    console.log("PSP calls per operation (plugin, Resurs sandbox request log):")
    console.log("")
    console.log("| operation | PSP calls |")
    console.log("|---|---|")
    for (const [operation, counts] of Object.entries(calls)) {
      const text = Object.entries(counts).map(([endpoint, count]) => `${count} ${endpoint}`).join(", ") || "none"
      console.log(`| ${operation} | ${text} |`)
    }
    console.log("")
    log(`done in ${((Date.now() - started) / 60000).toFixed(1)} min`)
  } finally {
    for (const s of stores) {
      await s.db.end().catch(() => undefined)
      await s.process.stop()
      if (process.env.BENCH_KEEP_DATABASES !== "true") {
        await dropDatabase(s.database).catch(() => undefined)
      }
    }
    await sandbox.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
