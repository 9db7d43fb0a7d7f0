/**
 * Boots the PSP sandbox beside the Medusa app of an HTTP test file: call `usePspSandbox()` at the
 * top of the file, BEFORE `medusaIntegrationTestRunner`, so that its beforeAll runs first and
 * medusa-config sees the sandbox URL (PSP_SANDBOX_URL) and the port Medusa will listen on (the
 * providers' callback URLs point there).
 */
import { createServer } from "node:net"
import axios, { type AxiosInstance } from "axios"
import { startSandbox, type Sandbox, type SandboxOptions } from "../../../sandbox/src"

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0))
    })
  })
}

export type PspSandboxHandle = {
  sandbox(): Sandbox
  /** axios on the sandbox's base URL (control API under /_sandbox) */
  control(): AxiosInstance
}

/**
 * `env`: more variables for medusa-config (e.g. the lifecycle options PAYMENTS_*), restored
 * afterwards; `sandbox`: options of the sandbox's PSPs (e.g. `digitalriver.settleDelayMs`).
 */
export function usePspSandbox(options: { env?: Record<string, string>; sandbox?: Omit<SandboxOptions, "port" | "callbackRetry"> } = {}): PspSandboxHandle {
  let sandbox: Sandbox | undefined
  let control: AxiosInstance | undefined
  const names = ["PORT", "MEDUSA_BACKEND_URL", "PSP_SANDBOX_URL", ...Object.keys(options.env ?? {})]
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]))

  beforeAll(async () => {
    const port = await freePort()
    sandbox = await startSandbox({
      ...options.sandbox,
      port: 0,
      callbackRetry: { maxAttempts: 4, initialDelayMs: 50, backoffFactor: 2, maxDelayMs: 500, timeoutMs: 10_000 },
    })
    control = axios.create({ baseURL: sandbox.url, validateStatus: () => true })
    process.env.PORT = String(port)
    process.env.MEDUSA_BACKEND_URL = `http://localhost:${port}`
    process.env.PSP_SANDBOX_URL = sandbox.url
    Object.assign(process.env, options.env)
  })

  afterAll(async () => {
    await sandbox?.close()
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) {
        delete process.env[name]
      } else {
        process.env[name] = value
      }
    }
  })

  return {
    sandbox: () => {
      if (!sandbox) throw new Error("the sandbox starts in beforeAll")
      return sandbox
    },
    control: () => {
      if (!control) throw new Error("the sandbox starts in beforeAll")
      return control
    },
  }
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value !== undefined) {
        return value
      }
    } catch (error) {
      last = error
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`)
}
