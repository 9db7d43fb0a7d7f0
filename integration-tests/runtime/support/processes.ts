/**
 * Real Medusa processes for the runtime lane: `medusa start` from this repository's sources (the
 * CLI compiles medusa-config.ts and ./src on the fly; no build step), each with its own port, env
 * and log file, health polled; killed with SIGKILL for the crash tests and started again.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { createWriteStream, mkdirSync, readFileSync } from "node:fs"
import { createServer } from "node:net"
import path from "node:path"

export const ROOT = path.resolve(__dirname, "../../..")
const CLI = require.resolve("@medusajs/cli/cli.js")
export const LOG_DIR = path.join(ROOT, ".data", "runtime-tests")

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0))
    })
  })
}

/** Runs a medusa CLI command to its end (db:migrate, exec); its output, or an error with its tail. */
export function runMedusa(args: string[], env: NodeJS.ProcessEnv, logName: string): Promise<string> {
  mkdirSync(LOG_DIR, { recursive: true })
  const log = createWriteStream(path.join(LOG_DIR, logName))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    const collect = (chunk: Buffer) => {
      output += chunk
      log.write(chunk)
    }
    child.stdout.on("data", collect)
    child.stderr.on("data", collect)
    child.on("error", reject)
    child.on("exit", (code) => {
      log.end()
      if (code === 0) {
        resolve(output)
      } else {
        reject(new Error(`medusa ${args.join(" ")} failed (exit ${code}); log ${path.join(LOG_DIR, logName)}\n${output.slice(-2000)}`))
      }
    })
  })
}

export type MedusaProcess = {
  name: string
  port: number
  url: string
  /** the pid of the running process (changes on restart) */
  pid(): number
  /** starts it (again), with `env` on top of the one it was created with; resolves once /health answers */
  start(env?: Record<string, string | undefined>): Promise<void>
  /** SIGKILL: no shutdown hook runs */
  kill9(): Promise<void>
  /** resolves when the process is gone (it killed itself at a crash point, or was killed) */
  exited(timeoutMs?: number): Promise<number | null>
  /** SIGTERM, then SIGKILL if it lingers */
  stop(): Promise<void>
  /** everything it logged, every run */
  log(): string
}

/**
 * `mode`: WORKER_MODE (server: the HTTP API only; worker: subscribers and jobs, /health only;
 * shared: both). `env`: DATABASE_URL, REDIS_URL… for medusa-config.
 */
export function medusaProcess(name: string, port: number, mode: "server" | "worker" | "shared", env: NodeJS.ProcessEnv): MedusaProcess {
  mkdirSync(LOG_DIR, { recursive: true })
  const logFile = path.join(LOG_DIR, `${name}.log`)
  let child: ChildProcess | undefined
  let exit: Promise<number | null> | undefined
  const url = `http://localhost:${port}`

  const handle: MedusaProcess = {
    name,
    port,
    url,
    pid: () => child?.pid ?? -1,

    async start(extra = {}) {
      if (child && child.exitCode === null && child.signalCode === null) {
        throw new Error(`${name} is still running`)
      }
      const log = createWriteStream(logFile, { flags: "a" })
      log.write(`\n==== ${new Date().toISOString()} start ${name} (${mode}) ${JSON.stringify(extra)}\n`)
      const started = spawn(process.execPath, [CLI, "start", "--port", String(port)], {
        cwd: ROOT,
        env: { ...env, ...extra, PORT: String(port), WORKER_MODE: mode },
        stdio: ["ignore", "pipe", "pipe"],
      })
      started.stdout?.pipe(log)
      started.stderr?.pipe(log)
      child = started
      exit = new Promise((resolve) => started.on("exit", (code) => resolve(code)))
      const deadline = Date.now() + 180_000
      while (Date.now() < deadline) {
        if (started.exitCode !== null || started.signalCode !== null) {
          throw new Error(`${name} exited while starting (${started.exitCode ?? started.signalCode}); log ${logFile}\n${handle.log().slice(-2000)}`)
        }
        try {
          const response = await fetch(`${url}/health`)
          if (response.ok) {
            return
          }
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
      throw new Error(`${name} did not answer ${url}/health within 180 s; log ${logFile}`)
    },

    async kill9() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL")
      }
      await handle.exited()
    },

    async exited(timeoutMs = 120_000) {
      if (!exit) {
        return null
      }
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} did not exit within ${timeoutMs / 1000} s`)), timeoutMs)
      })
      try {
        return await Promise.race([exit, timeout])
      } finally {
        clearTimeout(timer)
      }
    },

    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        return
      }
      child.kill("SIGTERM")
      try {
        await handle.exited(15_000)
      } catch {
        await handle.kill9()
      }
    },

    log() {
      try {
        return readFileSync(logFile, "utf8")
      } catch {
        return ""
      }
    },
  }
  return handle
}
