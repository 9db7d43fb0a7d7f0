import { z } from "zod"
import { callbackFaultSchema, retryPolicySchema, type CallbackDispatcher } from "./callbacks"
import type { Clock } from "./clock"
import { requestFaultSchema, type FaultStore } from "./faults"
import { json, noContent, ResponseError, type SandboxRequest } from "./http"
import type { RequestLog } from "./request-log"
import type { Route } from "./router"

/** Control API errors: plain JSON, never a PSP's shape. */
export function controlError(status: number, error: string, issues?: unknown): ResponseError {
  return new ResponseError(json(status, issues === undefined ? { error } : { error, issues }))
}

export function parseControlBody<Schema extends z.ZodType>(schema: Schema, request: SandboxRequest): z.output<Schema> {
  if (request.bodyError) {
    throw controlError(400, request.bodyError)
  }
  const result = schema.safeParse(request.body ?? {})
  if (!result.success) {
    throw controlError(
      400,
      "invalid body",
      result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }))
    )
  }
  return result.data
}

function optionalQuery(request: SandboxRequest, name: string): string | undefined {
  return request.query.get(name) ?? undefined
}

export type ControlDeps = {
  faults: FaultStore
  callbacks: CallbackDispatcher
  requests: RequestLog
  clock: Clock
  psps: Array<{ name: string; title: string; baseUrl(): string; orders(): unknown[] }>
  reset(): void
}

const clockAdvanceSchema = z.object({ seconds: z.number().min(0) }).strict()
const settingsSchema = z.object({ callbackRetry: retryPolicySchema.partial() }).strict()

/** The PSP-independent part of `/_sandbox/`. */
export function coreControlRoutes(deps: ControlDeps): Route[] {
  const { faults, callbacks, requests, clock } = deps
  return [
    {
      method: "GET",
      pattern: "/_sandbox",
      name: "index",
      handler: () =>
        json(200, {
          psps: deps.psps.map(({ name, title, baseUrl }) => ({ name, title, baseUrl: baseUrl() })),
          docs: "sandbox/README.md",
        }),
    },
    {
      method: "POST",
      pattern: "/_sandbox/reset",
      name: "reset",
      handler: () => {
        deps.reset()
        return noContent()
      },
    },
    {
      method: "GET",
      pattern: "/_sandbox/requests",
      name: "requests",
      handler: (request) => {
        const limit = optionalQuery(request, "limit")
        return json(
          200,
          requests.list({
            psp: optionalQuery(request, "psp"),
            endpoint: optionalQuery(request, "endpoint"),
            method: optionalQuery(request, "method"),
            limit: limit === undefined ? undefined : Number(limit),
          })
        )
      },
    },
    { method: "GET", pattern: "/_sandbox/faults", name: "faults", handler: () => json(200, faults.list()) },
    {
      method: "POST",
      pattern: "/_sandbox/faults",
      name: "add-fault",
      handler: (request) => json(201, faults.add(parseControlBody(requestFaultSchema, request))),
    },
    {
      method: "DELETE",
      pattern: "/_sandbox/faults",
      name: "clear-faults",
      handler: () => {
        faults.clear()
        return noContent()
      },
    },
    {
      method: "DELETE",
      pattern: "/_sandbox/faults/:id",
      name: "delete-fault",
      handler: (request) => {
        if (!faults.remove(request.params.id)) {
          throw controlError(404, `no fault ${request.params.id}`)
        }
        return noContent()
      },
    },
    { method: "GET", pattern: "/_sandbox/callback-faults", name: "callback-faults", handler: () => json(200, callbacks.listFaults()) },
    {
      method: "POST",
      pattern: "/_sandbox/callback-faults",
      name: "add-callback-fault",
      handler: (request) => json(201, callbacks.addFault(parseControlBody(callbackFaultSchema, request))),
    },
    {
      method: "DELETE",
      pattern: "/_sandbox/callback-faults/:id",
      name: "delete-callback-fault",
      handler: (request) => {
        if (!callbacks.removeFault(request.params.id)) {
          throw controlError(404, `no callback fault ${request.params.id}`)
        }
        return noContent()
      },
    },
    {
      method: "GET",
      pattern: "/_sandbox/callbacks",
      name: "callbacks",
      handler: (request) =>
        json(
          200,
          callbacks.list({
            psp: optionalQuery(request, "psp"),
            event: optionalQuery(request, "event"),
            reference: optionalQuery(request, "reference"),
          })
        ),
    },
    {
      method: "GET",
      pattern: "/_sandbox/callbacks/idle",
      name: "callbacks-idle",
      handler: async (request) => {
        const timeoutMs = Number(optionalQuery(request, "timeoutMs") ?? 10_000)
        const idle = await Promise.race([
          callbacks.idle().then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
        ])
        return idle ? json(200, { idle: true }) : json(408, { idle: false, error: `callbacks still in flight after ${timeoutMs} ms` })
      },
    },
    {
      method: "GET",
      pattern: "/_sandbox/callbacks/:id",
      name: "callback",
      handler: (request) => {
        const delivery = callbacks.get(request.params.id)
        if (!delivery) {
          throw controlError(404, `no callback ${request.params.id}`)
        }
        return json(200, delivery)
      },
    },
    {
      method: "POST",
      pattern: "/_sandbox/callbacks/:id/redeliver",
      name: "redeliver-callback",
      handler: (request) => {
        const original = callbacks.requestFor(request.params.id)
        if (!original) {
          throw controlError(404, `no callback ${request.params.id}`)
        }
        return json(202, callbacks.redeliver(request.params.id, original))
      },
    },
    { method: "GET", pattern: "/_sandbox/settings", name: "settings", handler: () => json(200, { callbackRetry: callbacks.policy }) },
    {
      method: "PUT",
      pattern: "/_sandbox/settings",
      name: "update-settings",
      handler: (request) => {
        const { callbackRetry } = parseControlBody(settingsSchema, request)
        callbacks.policy = { ...callbacks.policy, ...callbackRetry }
        return json(200, { callbackRetry: callbacks.policy })
      },
    },
    {
      method: "POST",
      pattern: "/_sandbox/clock/advance",
      name: "advance-clock",
      handler: (request) => {
        clock.advance(parseControlBody(clockAdvanceSchema, request).seconds * 1000)
        return json(200, { now: clock.now().toISOString() })
      },
    },
    {
      method: "GET",
      pattern: "/_sandbox/orders",
      name: "orders",
      handler: () => json(200, Object.fromEntries(deps.psps.map((psp) => [psp.name, psp.orders()]))),
    },
  ]
}
