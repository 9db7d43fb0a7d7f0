/**
 * `npm run demo`: one command from a fresh clone to a running store.
 *
 *   database (configured, or embedded) → migrations → idempotent seed → services beside Medusa
 *   (the PSP sandbox) → `medusa develop` with the admin dashboard → URLs printed.
 *
 * Runtime files (embedded PostgreSQL, logs) live in .data/, which `medusa develop` does not watch.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { createWriteStream, mkdirSync } from "node:fs"
import { createServer } from "node:net"
import path from "node:path"
import { startSandbox } from "../sandbox/src"
import { startStorefront, type StorefrontConfig } from "../demo/storefront/server"
import { startLocalPostgres, type LocalPostgres } from "./local-postgres"

const ROOT = path.resolve(__dirname, "..")
const LOG_DIR = path.join(ROOT, ".data", "demo")
const DATABASE = process.env.DEMO_DB_NAME || "medusa_order_payments_demo"
const PORT = Number(process.env.PORT || 9000)
const BASE_URL = `http://localhost:${PORT}`

/** The sandbox's CM.com merchant, its Update URL set to this store (what a merchant sets in CM's back office). */
const CM_SANDBOX = {
  merchants: [{ key: "sandbox-cm-merchant-key", name: "sandbox-cm-merchant", password: "sandbox-cm-password", updateUrl: `${BASE_URL}/hooks/psp/cm_cm` }],
}

type DemoStore = { publishableKey: string; regions: Record<string, string>; admin: { email: string; password: string } }

/** A process or server that runs beside Medusa for the demo; each contributes lines to the banner. */
type DemoService = {
  name: string
  start(env: NodeJS.ProcessEnv): Promise<{
    env?: NodeJS.ProcessEnv
    banner: string[]
    stop(): Promise<void>
    /** told the seeded store's keys and ids */
    storeReady?(store: DemoStore): void
  }>
}

// Services started before the migrations, the seed and Medusa, so that their URLs reach Medusa's
// environment: the PSP sandbox, and a storefront to check out with.
const services: DemoService[] = [
  {
    name: "the PSP sandbox",
    async start() {
      const port = Number(process.env.SANDBOX_PORT || 4010)
      const sandbox = await startSandbox({ port, host: process.env.SANDBOX_HOST, publicUrl: process.env.SANDBOX_PUBLIC_URL, cm: CM_SANDBOX })
      return {
        env: { PSP_SANDBOX_URL: sandbox.url },
        banner: [
          `PSP sandbox       ${sandbox.url}/_sandbox   (control API: faults, callbacks, requests; sandbox/README.md)`,
          ...Object.entries(sandbox.baseUrls).map(([psp, baseUrl]) => `  ${psp.padEnd(16)}${baseUrl}`),
        ],
        stop: () => sandbox.close(),
      }
    },
  },
  {
    name: "the demo storefront",
    async start() {
      const config: Partial<StorefrontConfig> = { backendUrl: BASE_URL, psps: [] }
      const storefront = await startStorefront(Number(process.env.STOREFRONT_PORT || 8000), config)
      return {
        env: { STOREFRONT_URL: storefront.url },
        banner: [`Storefront        ${storefront.url}   (checkout with Resurs Bank in SEK, Nemuru, Digital River or CM.com in EUR, on the sandbox's hosted pages)`],
        stop: () => storefront.close(),
        storeReady(store) {
          Object.assign(config, {
            publishableKey: store.publishableKey,
            // the PSPs the demo regions offer (demo/seed.ts DEMO_REGIONS)
            psps: [
              { providerId: "pp_resurs_resurs", name: "Resurs Bank", regionId: store.regions.sek, currency: "SEK", country: "se" },
              { providerId: "pp_nemuru_nemuru", name: "Nemuru", regionId: store.regions.eur, currency: "EUR", country: "de" },
              { providerId: "pp_digitalriver_digitalriver", name: "Digital River", regionId: store.regions.eur, currency: "EUR", country: "de" },
              { providerId: "pp_cm_cm", name: "CM.com", regionId: store.regions.eur, currency: "EUR", country: "de" },
            ],
          })
        },
      }
    },
  },
]

function log(line: string): void {
  console.log(`[demo] ${line}`)
}

/** Every Medusa command still running (migrations, seed, the server): stopping the demo stops them all. */
const running = new Set<ChildProcess>()

function medusa(args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = createWriteStream(path.join(LOG_DIR, logFile), { flags: "a" })
  const child = spawn(process.execPath, [require.resolve("@medusajs/cli/cli.js"), ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    // its own process group, so that stopping it also stops the server `medusa develop` forks
    detached: true,
  })
  running.add(child)
  child.on("exit", () => running.delete(child))
  child.stdout?.pipe(out)
  child.stderr?.pipe(out)
  return child
}

function runToEnd(args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = medusa(args, env, logFile)
    let output = ""
    child.stdout?.on("data", (chunk) => (output += chunk))
    child.stderr?.on("data", (chunk) => (output += chunk))
    child.on("error", reject)
    child.on("exit", (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`medusa ${args.join(" ")} failed (exit ${code}); see .data/demo/${logFile}\n${output.slice(-3000)}`))
    )
  })
}

async function waitForHealth(child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`medusa develop exited (code ${child.exitCode}); see .data/demo/medusa.log`)
    }
    try {
      const response = await fetch(`${BASE_URL}/health`)
      if (response.ok) {
        return
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
  throw new Error(`Medusa did not answer ${BASE_URL}/health within ${timeoutMs / 1000}s; see .data/demo/medusa.log`)
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once("error", () => resolve(false))
    probe.listen(port, () => probe.close(() => resolve(true)))
  })
}

async function main(): Promise<void> {
  mkdirSync(LOG_DIR, { recursive: true })
  if (!(await portIsFree(PORT))) {
    console.error(`[demo] Port ${PORT} is in use (another demo still running?). Stop it, or set PORT.`)
    process.exit(1)
  }
  const postgres: LocalPostgres = await startLocalPostgres(log)
  const stops: Array<() => Promise<void>> = [() => postgres.stop()]
  let server: ChildProcess | undefined
  // set once stopping begins: Medusa exiting after that is our doing, not a crash
  let stopping: Promise<never> | undefined

  const shutdown = (code: number, farewell?: string): Promise<never> =>
    (stopping ??= (async () => {
      for (const child of running) {
        if (child.pid && child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(-child.pid, "SIGTERM")
          } catch {
            // already gone
          }
        }
      }
      for (const stop of stops.reverse()) {
        await stop().catch(() => undefined)
      }
      if (farewell) {
        console.log(farewell)
      }
      process.exit(code)
    })())
  const stopOnSignal = () => {
    if (!stopping) {
      console.log("\n[demo] Stopping ...")
    }
    void shutdown(0, "Demo stopped.")
  }
  process.on("SIGINT", stopOnSignal)
  process.on("SIGTERM", stopOnSignal)

  try {
    await postgres.ensureDatabase(DATABASE)
    let env: NodeJS.ProcessEnv = {
      ...process.env,
      ...postgres.env,
      DATABASE_URL: postgres.urlFor(DATABASE),
      PORT: String(PORT),
      NODE_ENV: "development",
    }

    // services first: their URLs configure Medusa (the sandbox's registers the PSP providers the seed enables)
    const banner: string[] = []
    const started = []
    for (const service of services) {
      log(`Starting ${service.name} ...`)
      const running = await service.start(env)
      env = { ...env, ...running.env }
      banner.push(...running.banner)
      stops.push(running.stop)
      started.push(running)
    }

    log(`Migrating database ${DATABASE} ...`)
    await runToEnd(["db:migrate"], env, "migrate.log")

    log("Seeding the demo store ...")
    const seedOutput = await runToEnd(["exec", "./demo/seed.ts"], env, "seed.log")
    const storeLine = seedOutput.split("\n").find((line) => line.startsWith("DEMO_STORE "))
    if (!storeLine) {
      throw new Error("The seed did not report the demo store; see .data/demo/seed.log")
    }
    const store = JSON.parse(storeLine.slice("DEMO_STORE ".length)) as DemoStore
    started.forEach((running) => running.storeReady?.(store))

    log(`Starting Medusa on ${BASE_URL} (log: .data/demo/medusa.log) ...`)
    server = medusa(["develop"], env, "medusa.log")
    server.on("exit", (code, signal) => {
      if (stopping) {
        return // stopped by us (Ctrl+C)
      }
      log(`Medusa stopped unexpectedly (${code === null ? `signal ${signal}` : `exit code ${code}`}); see .data/demo/medusa.log`)
      void shutdown(code || 1)
    })
    await waitForHealth(server, 180_000)

    console.log(
      [
        "",
        "  The demo store is running.",
        "",
        `  Admin dashboard   ${BASE_URL}/app`,
        `  Admin login       ${store.admin.email} / ${store.admin.password}`,
        `  Store API         ${BASE_URL}/store   (header x-publishable-api-key: ${store.publishableKey})`,
        `  Health            ${BASE_URL}/health`,
        ...banner.map((line) => `  ${line}`),
        `  Database          ${postgres.urlFor(DATABASE)}${postgres.startedEmbedded ? "   (embedded)" : ""}`,
        "",
        "  Ctrl+C stops everything.",
        "",
      ].join("\n")
    )
  } catch (error) {
    if (!stopping) {
      // a step failed by itself (a step stopped by Ctrl+C is not news)
      console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`)
    }
    await shutdown(1)
  }
}

void main()
