/**
 * The bench's moving parts: the production build, two stores (the plugin's and the same store
 * without it), their databases, the PSP sandbox, and readings of a process's CPU and memory.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import path from "node:path"
import { Client } from "pg"

export const ROOT = path.resolve(__dirname, "..")
export const LOG_DIR = path.join(ROOT, ".data", "bench")
const BUILD_DIR = path.join(ROOT, ".medusa", "server")
const CORE_DIR = path.join(ROOT, ".medusa", "bench-core")
const MEDUSA_CLI = path.join(ROOT, "node_modules", "@medusajs", "cli", "cli.js")
const PG = { host: "localhost", port: 5432, user: "postgres" }

export function databaseUrl(name: string): string {
  return `postgres://${PG.user}@${PG.host}:${PG.port}/${name}`
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; log: string }): string {
  mkdirSync(LOG_DIR, { recursive: true })
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
  const output = `${result.stdout ?? ""}\n${result.stderr ?? ""}`
  writeFileSync(path.join(LOG_DIR, options.log), output)
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${result.status}); see ${path.join(LOG_DIR, options.log)}`)
  }
  return output
}

/** `medusa build` once (admin left out: neither store serves it), and a copy without the plugin's code. */
export function buildForProduction(skip: boolean): void {
  if (!skip || !existsSync(BUILD_DIR)) {
    run(process.execPath, [MEDUSA_CLI, "build"], { cwd: ROOT, env: { ...process.env, MEDUSA_DISABLE_ADMIN: "true" }, log: "build.log" })
  }
  // the plugin's tsconfig compiles src/ only: the store's medusa-config goes beside it as Medusa's own build would put it
  const ts = require("typescript") as typeof import("typescript")
  const config = ts.transpileModule(readFileSync(path.join(ROOT, "medusa-config.ts"), "utf8"), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true },
  })
  writeFileSync(path.join(BUILD_DIR, "medusa-config.js"), config.outputText)
  // and the demo seed, which each store runs from its own build
  const seed = ts.transpileModule(readFileSync(path.join(ROOT, "demo", "seed.ts"), "utf8"), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true },
  })
  mkdirSync(path.join(BUILD_DIR, "demo"), { recursive: true })
  writeFileSync(path.join(BUILD_DIR, "demo", "seed.js"), seed.outputText)
  // the store without the plugin: the same build, config and Medusa, without the plugin's routes,
  // subscribers, jobs, links and workflows (this repository is the plugin and its host store at once)
  rmSync(CORE_DIR, { recursive: true, force: true })
  cpSync(BUILD_DIR, CORE_DIR, { recursive: true, dereference: false })
  for (const part of ["api", "subscribers", "jobs", "links", "workflows", "admin"]) {
    rmSync(path.join(CORE_DIR, "src", part), { recursive: true, force: true })
  }
}

export type StoreKind = "plugin" | "core"

export function storeEnv(kind: StoreKind, database: string, port: number, sandboxUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl(database),
    PORT: String(port),
    MEDUSA_BACKEND_URL: `http://localhost:${port}`,
    JWT_SECRET: "bench-jwt-secret-not-for-production-0123456789",
    COOKIE_SECRET: "bench-cookie-secret-not-for-production-0123456789",
    MEDUSA_DISABLE_ADMIN: "true",
    LOG_LEVEL: "error",
    ...(kind === "plugin" ? { PSP_SANDBOX_URL: sandboxUrl, MEDUSA_ORDER_PAYMENTS_DISABLED: "false" } : { PSP_SANDBOX_URL: "", MEDUSA_ORDER_PAYMENTS_DISABLED: "true" }),
  }
}

/** A fresh database, migrated by the production build, seeded with the demo store. */
export async function prepareDatabase(kind: StoreKind, database: string, env: NodeJS.ProcessEnv): Promise<DemoStore> {
  const admin = new Client({ ...PG, database: "postgres" })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS "${database}"`)
  await admin.query(`CREATE DATABASE "${database}"`)
  await admin.end()
  run(process.execPath, [MEDUSA_CLI, "db:migrate"], { cwd: kind === "plugin" ? BUILD_DIR : CORE_DIR, env, log: `migrate-${kind}.log` })
  const output = run(process.execPath, [MEDUSA_CLI, "exec", "./demo/seed.js"], {
    cwd: kind === "plugin" ? BUILD_DIR : CORE_DIR,
    env,
    log: `seed-${kind}.log`,
  })
  const line = output.split("\n").find((candidate) => candidate.startsWith("DEMO_STORE "))
  if (!line) {
    throw new Error(`the seed of the ${kind} store did not report the store; see ${LOG_DIR}/seed-${kind}.log`)
  }
  return JSON.parse(line.slice("DEMO_STORE ".length)) as DemoStore
}

export type DemoStore = {
  publishableKey: string
  regions: Record<string, string>
  stockLocationId: string
  returnShippingOptions: Record<string, string>
  admin: { email: string; password: string }
}

export async function dropDatabase(database: string): Promise<void> {
  const admin = new Client({ ...PG, database: "postgres" })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
  await admin.end()
}

export type RunningProcess = { child: ChildProcess; pid: number; stop(): Promise<void> }

function startProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, log: string): RunningProcess {
  mkdirSync(LOG_DIR, { recursive: true })
  const out = createWriteStream(path.join(LOG_DIR, log))
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
  child.stdout!.pipe(out)
  child.stderr!.pipe(out)
  return {
    child,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve()
          return
        }
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref()
      }),
  }
}

/** `medusa start` of the production build, one process (its pid is the server's). */
export async function startStore(kind: StoreKind, env: NodeJS.ProcessEnv, port: number): Promise<RunningProcess> {
  // BENCH_PROFILE=true: a V8 CPU profile of each store, written to .data/bench/profile-<kind> when it stops
  const profile = process.env.BENCH_PROFILE === "true" ? ["--cpu-prof", `--cpu-prof-dir=${path.join(LOG_DIR, `profile-${kind}`)}`] : []
  const running = startProcess(process.execPath, [...profile, MEDUSA_CLI, "start", "--port", String(port)], kind === "plugin" ? BUILD_DIR : CORE_DIR, env, `store-${kind}.log`)
  await waitFor(`http://localhost:${port}/health`, 180_000, running)
  return running
}

export async function startSandbox(port: number): Promise<RunningProcess> {
  const tsx = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs")
  const running = startProcess(process.execPath, [tsx, "sandbox/src/cli.ts"], ROOT, { ...process.env, SANDBOX_PORT: String(port) }, "sandbox.log")
  await waitFor(`http://localhost:${port}/_sandbox`, 60_000, running)
  return running
}

async function waitFor(url: string, timeoutMs: number, running: RunningProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null) {
      throw new Error(`process for ${url} exited (${running.child.exitCode}); see ${LOG_DIR}`)
    }
    try {
      const response = await fetch(url)
      if (response.status < 500) {
        return
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`)
}

const CLOCK_TICKS = 100 // sysconf(_SC_CLK_TCK) on Linux

/** CPU time the process used so far (user + system), in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  // after the command: state is field 3, utime 14, stime 15 (1-based in proc(5))
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
}

/** Resident memory of the process, in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}
