/**
 * The production runtime of a runtime-lane test file: a fresh copy of the seeded template database,
 * the PSP sandbox in the test process, and two (or more) real Medusa processes on one Redis
 * (event bus, workflow engine, locking), with keys under a prefix of their own. Then the pieces a
 * test needs to act as the shopper, the admin and the PSP, and to read what each side recorded:
 * the admin API, the sandbox's control API, and plain SQL for counting rows.
 */
import axios, { type AxiosInstance } from "axios"
import Redis from "ioredis"
import { Client } from "pg"
import type { DemoStore } from "../../../demo/seed"
import { startSandbox, type Sandbox } from "../../../sandbox/src"
import { configuredDatabase, databaseUrl } from "../../../scripts/local-postgres"
import { toMinorUnits } from "../../../src/lifecycle/money"
import { eventually } from "../../http/support/psp-sandbox"
import { storefront, type Checkout } from "../../http/support/storefront"
import { freePort, medusaProcess, type MedusaProcess } from "./processes"

/** Redis for the lane: db 3 unless RUNTIME_REDIS_URL says otherwise (db 0–2 are left to shops and demos). */
export const RUNTIME_REDIS_URL = process.env.RUNTIME_REDIS_URL || "redis://127.0.0.1:6379/3"

export type ProcessSpec = { name: string; mode: "server" | "worker" | "shared"; env?: Record<string, string> }

export type SandboxPayment = {
  id: string
  status: string
  totals: { total: string; authorized: string; captured: string; refunded: string; canceled: string }
  actions: { type: string; actionId: string; transactionId: string | null }[]
}

export type Runtime = Awaited<ReturnType<typeof createRuntime>>

/** jest hooks around createRuntime: `const rt = useRuntime(...)`, then `rt()` in the tests. */
export function useRuntime(name: string, processes: ProcessSpec[], env: Record<string, string> = {}): () => Runtime {
  let runtime: Runtime | undefined
  beforeAll(async () => {
    runtime = await createRuntime(name, processes, env)
  }, 300_000)
  afterAll(async () => {
    await runtime?.close()
  }, 60_000)
  return () => {
    if (!runtime) throw new Error("the runtime starts in beforeAll")
    return runtime
  }
}

async function createRuntime(name: string, specs: ProcessSpec[], extraEnv: Record<string, string>) {
  const template = process.env.RUNTIME_TEMPLATE_DB
  const storeJson = process.env.RUNTIME_DEMO_STORE
  if (!template || !storeJson) {
    throw new Error("run the runtime lane through its jest level (npm run test:integration:runtime): the global setup prepares the template database")
  }
  const store = JSON.parse(storeJson) as DemoStore
  const run = `${name}${Date.now().toString(36)}`.replace(/[^a-z0-9]/gi, "").toLowerCase()
  const database = `rt_${run}`
  const db = configuredDatabase()
  const admin = new Client({ connectionString: databaseUrl(db, "postgres") })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${database} TEMPLATE ${template}`)
  await admin.end()
  const sql = new Client({ connectionString: databaseUrl(db, database) })
  await sql.connect()

  const sandbox: Sandbox = await startSandbox({
    port: 0,
    callbackRetry: { maxAttempts: 4, initialDelayMs: 50, backoffFactor: 2, maxDelayMs: 500, timeoutMs: 10_000 },
  })
  const control = axios.create({ baseURL: sandbox.url, validateStatus: () => true })
  const redis = new Redis(RUNTIME_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 })
  await redis.connect()
  const prefix = `rt-${run}-`

  const ports = await Promise.all(specs.map(() => freePort()))
  const httpIndex = specs.findIndex((spec) => spec.mode !== "worker")
  const backendUrl = `http://localhost:${ports[httpIndex]}`
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl(db, database),
    PSP_SANDBOX_URL: sandbox.url,
    MEDUSA_BACKEND_URL: backendUrl,
    REDIS_URL: RUNTIME_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    MEDUSA_DISABLE_ADMIN: "true",
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    // a call whose process died is taken over after the shortest lease the plugin allows
    PAYMENTS_OPERATION_LEASE_SECONDS: "30",
    PAYMENTS_RECONCILE_AFTER_SECONDS: "5",
    ...extraEnv,
  }
  delete env.MEDUSA_ORDER_PAYMENTS_CRASH_AT
  const processes = specs.map((spec, index) => medusaProcess(`${run}-${spec.name}`, ports[index], spec.mode, { ...env, ...spec.env }))
  await Promise.all(processes.map((process) => process.start()))
  const byName = Object.fromEntries(specs.map((spec, index) => [spec.name, processes[index]])) as Record<string, MedusaProcess>

  const api = (process: MedusaProcess) => axios.create({ baseURL: process.url, validateStatus: () => true })
  const http = processes.filter((_, index) => specs[index].mode !== "worker")
  const login = await api(http[0]).post("/auth/user/emailpass", store.admin)
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${JSON.stringify(login.data)}`)
  const token = login.data.token as string
  /** the admin API on one process (by default the first one serving HTTP) */
  const adminOn = (process: MedusaProcess = http[0]) =>
    axios.create({ baseURL: process.url, headers: { authorization: `Bearer ${token}` }, validateStatus: () => true })
  const shop = storefront(api(http[0]), store)

  const helpers = {
    store,
    prefix,
    sandbox,
    control,
    redis,
    processes: byName,
    env,
    adminOn,
    shop,
    api,

    async query<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
      return (await sql.query(text, params)).rows as T[]
    },

    async decide(pspReference: string, decision: string): Promise<void> {
      const response = await control.post(`/_sandbox/resurs/payments/${pspReference}/decision`, { decision })
      if (response.status !== 200) throw new Error(`decision ${decision}: ${response.status} ${JSON.stringify(response.data)}`)
    },

    async sandboxPayment(pspReference: string): Promise<SandboxPayment> {
      return (await control.get(`/_sandbox/resurs/payments/${pspReference}`)).data
    },

    async callbacksIdle(): Promise<void> {
      const response = await control.get("/_sandbox/callbacks/idle?timeoutMs=30000")
      if (response.status !== 200) throw new Error("sandbox callbacks still in flight")
    },

    async ordersOfCart(cartId: string): Promise<string[]> {
      const rows = await helpers.query<{ order_id: string }>("select order_id from order_cart where cart_id = $1 and deleted_at is null", [cartId])
      return rows.map((row) => row.order_id)
    },

    /** The order as the admin API shows it: status, metadata, items, payment collections with captures and refunds, transactions. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async order(orderId: string): Promise<any> {
      const fields = [
        "id",
        "status",
        "metadata",
        "*items",
        "payment_status",
        "*payment_collections",
        "*payment_collections.payments",
        "*payment_collections.payments.captures",
        "*payment_collections.payments.refunds",
        "*transactions",
      ].join(",")
      const response = await adminOn().get(`/admin/orders/${orderId}?fields=${encodeURIComponent(fields)}`)
      if (response.status !== 200) throw new Error(`order ${orderId}: ${response.status} ${JSON.stringify(response.data)}`)
      return response.data.order
    },

    /** The plugin's ledger of the order's payments (GET /admin/orders/:id/payment-instruments). */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async instruments(orderId: string): Promise<any[]> {
      const response = await adminOn().get(`/admin/orders/${orderId}/payment-instruments`)
      if (response.status !== 200) throw new Error(`instruments of ${orderId}: ${response.status} ${JSON.stringify(response.data)}`)
      return response.data.payment_instruments
    },

    /** A SEK cart at the Resurs hosted page: 2 × Canvas Tote, 1 × Linen Shirt, 3 × Wool Sweater, plus shipping. */
    async checkout(quantities: number[] = [2, 1, 3]): Promise<Checkout> {
      const cart = await shop.cart(quantities)
      return shop.pay(cart.id)
    },

    /** An approved, completed order, synced with Resurs (processing). */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async placedOrder(quantities?: number[]): Promise<{ checkout: Checkout; order: any }> {
      const checkout = await helpers.checkout(quantities)
      await helpers.decide(checkout.pspReference, "approve")
      const completed = await shop.complete(checkout.cartId)
      if (completed.data.type !== "order") throw new Error(`no order: ${JSON.stringify(completed.data.error ?? completed.data)}`)
      const order = await eventually(
        async () => {
          const candidate = await helpers.order(completed.data.order.id)
          return candidate?.metadata?.psp_payment?.state === "processing" ? candidate : undefined
        },
        60_000,
        "the order synced with Resurs"
      )
      await helpers.callbacksIdle()
      return { checkout, order }
    },

    /** Creates a fulfillment of `items` through the admin API (on `process`). */
    fulfill(orderId: string, items: { id: string; quantity: number }[], process?: MedusaProcess) {
      return adminOn(process).post(`/admin/orders/${orderId}/fulfillments`, { items, location_id: store.stockLocationId })
    },

    /** Keys of this run in Redis matching `pattern` (within the run's prefix). */
    async redisKeys(pattern: string): Promise<string[]> {
      return redis.keys(`*${prefix}${pattern}`)
    },

    async close(): Promise<void> {
      await Promise.all(processes.map((process) => process.stop().catch(() => undefined)))
      await sandbox.close().catch(() => undefined)
      await sql.end().catch(() => undefined)
      const keys = await redis.keys(`*${prefix}*`).catch(() => [] as string[])
      for (let i = 0; i < keys.length; i += 500) {
        await redis.del(...keys.slice(i, i + 500)).catch(() => undefined)
      }
      redis.disconnect()
      const cleanup = new Client({ connectionString: databaseUrl(db, "postgres") })
      await cleanup.connect()
      await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined)
      await cleanup.end()
    },
  }
  return helpers
}

/** Sum of Medusa rows' amounts (as the admin API gives them), in SEK minor units. */
export function sekTotal(rows: { amount: unknown }[] | undefined): bigint {
  return (rows ?? []).reduce((sum, row) => sum + toMinorUnits(row.amount as string | number, "sek"), 0n)
}

/** A decimal string of the sandbox or the ledger, in SEK minor units. */
export function sek(amount: string | number): bigint {
  return toMinorUnits(amount, "sek")
}
