import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { z } from "zod"
import { CallbackDispatcher, retryPolicySchema, type RetryPolicy } from "./core/callbacks"
import { Clock, Scheduler, sleep } from "./core/clock"
import { coreControlRoutes, controlError } from "./core/control"
import { FaultStore, type RequestFault } from "./core/faults"
import { json, parseBody, ResponseError, type SandboxRequest, type SandboxResponse } from "./core/http"
import type { PspSimulator, SandboxContext } from "./core/psp"
import { RequestLog } from "./core/request-log"
import { matchRoute, type Route } from "./core/router"
import { TokenStore } from "./core/tokens"
import { psps } from "./psps"

type Psps = (typeof psps)[number]

export type SandboxOptions = {
  /** 0 picks a free port (tests). */
  port?: number
  host?: string
  /** The base URL links are built from, when the sandbox is reached through another address. */
  publicUrl?: string
  /** Callback retry policy; tests usually want `{ initialDelayMs: 10 }`. */
  callbackRetry?: Partial<RetryPolicy>
} & { [P in Psps as P["name"]]?: z.input<P["options"]> }

export type Sandbox = {
  /** e.g. `http://127.0.0.1:4010`, no trailing slash. */
  url: string
  port: number
  /** Each PSP's base URL, the value a connector is configured with: `{ resurs: "http://…/resurs/", … }`. */
  baseUrls: Record<Psps["name"], string>
  /** Resolves once no callback is scheduled, retrying or held back. */
  callbacksIdle(): Promise<void>
  reset(): void
  close(): Promise<void>
}

const MAX_BODY_BYTES = 1024 * 1024

type MountedPsp = { name: string; title: string; basePath: string; simulator: PspSimulator }

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? "127.0.0.1"
  const clock = new Clock()
  const scheduler = new Scheduler()
  const tokens = new TokenStore(clock)
  const initialPolicy = retryPolicySchema.parse(options.callbackRetry ?? {})
  const callbacks = new CallbackDispatcher({ ...initialPolicy })
  const faults = new FaultStore()
  const requests = new RequestLog()
  let publicUrl = options.publicUrl?.replace(/\/$/, "") ?? ""
  const context: SandboxContext = { publicUrl: () => publicUrl, clock, scheduler, tokens, callbacks }

  const mounted: MountedPsp[] = psps.map((definition) => {
    const pspOptions = (options as Record<string, unknown>)[definition.name] ?? {}
    const parsed = definition.options.safeParse(pspOptions)
    if (!parsed.success) {
      throw new Error(`sandbox options for ${definition.name} are invalid: ${parsed.error.message}`)
    }
    // each definition's create() takes its own options type; the union of them is not callable directly
    const create = definition.create as (context: SandboxContext, options: unknown) => PspSimulator
    return { name: definition.name, title: definition.title, basePath: definition.basePath, simulator: create(context, parsed.data) }
  })

  const reset = () => {
    scheduler.cancelAll()
    clock.reset()
    tokens.clear()
    callbacks.reset()
    callbacks.policy = { ...initialPolicy }
    faults.clear()
    requests.clear()
    mounted.forEach((psp) => psp.simulator.reset())
  }

  const pspRoutes: Array<Route & { psp: MountedPsp }> = mounted.flatMap((psp) => psp.simulator.routes.map((route) => ({ ...route, psp })))
  const controlRoutes: Route[] = [
    ...coreControlRoutes({
      faults,
      callbacks,
      requests,
      clock,
      psps: mounted.map((psp) => ({ name: psp.name, title: psp.title, baseUrl: () => `${publicUrl}${psp.basePath}`, orders: () => psp.simulator.orders() })),
      reset,
    }),
    ...mounted.flatMap((psp) => psp.simulator.controlRoutes),
  ]

  const sockets = new Set<Socket>()

  const server = createServer((incoming, outgoing) => {
    void handle(incoming, outgoing).catch((error: unknown) => {
      if (!outgoing.headersSent && !outgoing.destroyed) {
        write(outgoing, error instanceof ResponseError ? error.response : json(500, { error: String(error) }))
      }
    })
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? "/", "http://sandbox")
    const method = (incoming.method ?? "GET").toUpperCase()
    const rawBody = await readBody(incoming)
    const parsed = parseBody(incoming.headers["content-type"], rawBody)
    const base: Omit<SandboxRequest, "params"> = { method, path: url.pathname, query: url.searchParams, headers: incoming.headers, rawBody, ...parsed }

    if (url.pathname === "/_sandbox" || url.pathname.startsWith("/_sandbox/")) {
      const match = matchRoute(controlRoutes, method, url.pathname)
      if (match === undefined || match === "method-not-allowed") {
        write(outgoing, json(match ? 405 : 404, { error: `no control endpoint ${method} ${url.pathname}` }))
        return
      }
      write(outgoing, await run(match.route, { ...base, params: match.params }, (status, message) => json(status, { error: message })))
      return
    }

    const match = matchRoute(pspRoutes, method, url.pathname)
    const routed = match !== undefined && match !== "method-not-allowed" ? match : undefined
    const psp = routed ? routed.route.psp : mounted.find((candidate) => url.pathname.startsWith(candidate.basePath.split(":")[0]))
    const logged = requests.add({ psp: psp?.name, endpoint: routed?.route.name, method, path: url.pathname, query: url.searchParams, headers: incoming.headers, body: parsed.body, rawBody })
    const started = Date.now()
    const errorResponse = (status: number, message: string) => (psp ? psp.simulator.errorResponse(status, message) : json(status, { error: message }))

    if (!routed) {
      const response = errorResponse(match === "method-not-allowed" ? 405 : 404, `No endpoint ${method} ${url.pathname}`)
      logged.status = response.status
      write(outgoing, response)
      return
    }

    const fault = faults.take({ psp: psp?.name, endpoint: routed.route.name, method, path: url.pathname })
    if (fault) {
      logged.fault = describeFault(fault)
      if (fault.latencyMs) {
        await sleep(fault.latencyMs)
      }
      if (fault.effect === "hang") {
        // keep the socket open until the client gives up or the sandbox closes; nothing is applied
        return
      }
      if (fault.effect === "error") {
        const response = errorResponse(fault.status!, `Injected fault: HTTP ${fault.status}`)
        if (fault.retryAfterSeconds !== undefined) {
          response.headers = { ...response.headers, "retry-after": String(fault.retryAfterSeconds) }
        }
        logged.status = response.status
        write(outgoing, response)
        return
      }
    }

    const response = await run(routed.route, { ...base, params: routed.params }, errorResponse)
    logged.durationMs = Date.now() - started
    if (fault?.effect === "drop-response") {
      // the operation is applied; the client sees the connection die without an answer
      incoming.socket.destroy()
      return
    }
    logged.status = response.status
    write(outgoing, response)
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${host}:${port}`
  if (!publicUrl) {
    publicUrl = url
  }

  return {
    url,
    port,
    baseUrls: Object.fromEntries(mounted.map((psp) => [psp.name, `${publicUrl}${psp.basePath}`])) as Record<Psps["name"], string>,
    callbacksIdle: () => callbacks.idle(),
    reset,
    close: async () => {
      scheduler.cancelAll()
      callbacks.close()
      for (const socket of sockets) {
        socket.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

async function run(route: Route, request: SandboxRequest, errorResponse: (status: number, message: string) => SandboxResponse): Promise<SandboxResponse> {
  try {
    return await route.handler(request)
  } catch (error) {
    if (error instanceof ResponseError) {
      return error.response
    }
    console.error(`[sandbox] ${request.method} ${request.path} failed:`, error)
    return errorResponse(500, "Internal error in the sandbox")
  }
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    incoming.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(controlError(413, "body too large"))
        incoming.destroy()
        return
      }
      chunks.push(chunk)
    })
    incoming.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    incoming.on("error", reject)
  })
}

function write(outgoing: ServerResponse, response: SandboxResponse): void {
  outgoing.writeHead(response.status, response.headers ?? {})
  outgoing.end(response.body)
}

function describeFault(fault: RequestFault): string {
  return [fault.latencyMs ? `latency ${fault.latencyMs}ms` : undefined, fault.effect === "error" ? `error ${fault.status}` : fault.effect]
    .filter(Boolean)
    .join(", ")
}
