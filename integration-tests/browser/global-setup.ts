/**
 * Boots one store for the whole browser level: `npm run demo` (scripts/demo.ts) on free ports in
 * 9800-9899 and a fresh database `browser_<time>`. The demo starts the PSP sandbox, migrates,
 * seeds (admin user admin@example.com included), runs `medusa develop` (the dashboard at /app,
 * served by vite: it answers in about 40 s, where `medusa build` alone takes minutes) and the
 * demo storefront. Its coordinates go to .data/browser/harness.json for the specs.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import path from "node:path"
import { DEMO_ADMIN } from "../../demo/seed"
import { startLocalPostgres, type LocalPostgres } from "../../scripts/local-postgres"
import { chromiumPath } from "./support/browser"
import { HARNESS_FILE, type BrowserHarness } from "./support/harness"

const ROOT = path.resolve(__dirname, "../..")
const BOOT_TIMEOUT_MS = 240_000

export type BrowserStore = { demo: ChildProcess; postgres: LocalPostgres; database: string }

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once("error", () => resolve(false))
    probe.listen(port, () => probe.close(() => resolve(true)))
  })
}

async function freePorts(count: number, from = 9800, to = 9899): Promise<number[]> {
  const ports: number[] = []
  for (let port = from; port <= to && ports.length < count; port++) {
    if (await portIsFree(port)) {
      ports.push(port)
    }
  }
  if (ports.length < count) {
    throw new Error(`Browser tests: need ${count} free ports in ${from}-${to}`)
  }
  return ports
}

/** Resolves with the demo's banner once it says the store runs; rejects if it exits first or takes too long. */
function waitForDemo(demo: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = ""
    const timer = setTimeout(() => reject(new Error(`The demo store did not start within ${BOOT_TIMEOUT_MS / 1000}s:\n${output.slice(-3000)}`)), BOOT_TIMEOUT_MS)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Ctrl+C stops everything")) {
        clearTimeout(timer)
        resolve(output)
      }
    }
    demo.stdout?.on("data", onData)
    demo.stderr?.on("data", onData)
    demo.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`The demo store exited (code ${code}) before it was ready; see .data/demo/*.log:\n${output.slice(-3000)}`))
    })
  })
}

export default async function browserSetup(): Promise<void> {
  const executable = chromiumPath()
  if (!existsSync(executable)) {
    throw new Error(
      `Browser tests need Chromium at ${executable}: install Debian's package (apt-get install chromium; .ci/run does it) or set CHROMIUM_PATH`
    )
  }
  const log = (line: string) => process.stdout.write(`[browser] ${line}\n`)
  const postgres = await startLocalPostgres(log)
  const database = `browser_${Date.now().toString(36)}`
  const [backendPort, sandboxPort, storefrontPort] = await freePorts(3)
  const started = Date.now()
  log(`Starting the demo store on port ${backendPort} (database ${database}; logs in .data/demo/) ...`)
  const demo = spawn(process.execPath, [require.resolve("tsx/cli"), "scripts/demo.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...postgres.env,
      PORT: String(backendPort),
      SANDBOX_PORT: String(sandboxPort),
      STOREFRONT_PORT: String(storefrontPort),
      DEMO_DB_NAME: database,
    },
    stdio: ["ignore", "pipe", "pipe"],
  })
  ;(globalThis as { __browserStore__?: BrowserStore }).__browserStore__ = { demo, postgres, database }
  const banner = await waitForDemo(demo)
  log(`The store answered in ${Math.round((Date.now() - started) / 1000)}s`)
  // keep reading its output, so that the pipe never fills and blocks it
  demo.stdout?.resume()
  demo.stderr?.resume()

  const publishableKey = /x-publishable-api-key: (\S+?)\)/.exec(banner)?.[1]
  if (!publishableKey) {
    throw new Error(`The demo's banner names no publishable key:\n${banner}`)
  }
  const state: BrowserHarness = {
    backendUrl: `http://localhost:${backendPort}`,
    storefrontUrl: `http://localhost:${storefrontPort}`,
    sandboxUrl: `http://127.0.0.1:${sandboxPort}`,
    publishableKey,
    admin: { ...DEMO_ADMIN },
    database,
  }
  mkdirSync(path.dirname(HARNESS_FILE), { recursive: true })
  writeFileSync(HARNESS_FILE, JSON.stringify(state, null, 2))
}
