import { randomUUID } from "node:crypto"
import { z } from "zod"
import { globToRegExp } from "./router"

/**
 * Fault rules for incoming API requests. A rule matches on PSP, endpoint name, method and path glob;
 * it adds latency and/or replaces the outcome. `times` limits how many requests it affects
 * ("fail N times, then succeed"); without it the rule stays until deleted or reset.
 */
export const requestFaultSchema = z
  .object({
    psp: z.string().min(1).optional(),
    endpoint: z.string().min(1).optional(),
    method: z
      .string()
      .transform((method) => method.toUpperCase())
      .optional(),
    path: z.string().startsWith("/").optional(),
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    effect: z.enum(["error", "hang", "drop-response"]).optional(),
    status: z.number().int().min(400).max(599).optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    times: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((rule) => rule.effect !== undefined || rule.latencyMs !== undefined, {
    message: "give an effect (error, hang, drop-response) and/or latencyMs",
  })
  .refine((rule) => rule.effect !== "error" || rule.status !== undefined, {
    message: "effect error needs a status (e.g. 500, 502, 503, 429)",
    path: ["status"],
  })

export type RequestFaultInput = z.infer<typeof requestFaultSchema>
export type RequestFault = RequestFaultInput & { id: string; matched: number }

export type RequestTarget = { psp?: string; endpoint?: string; method: string; path: string }

export class FaultStore {
  private rules: RequestFault[] = []

  add(input: RequestFaultInput): RequestFault {
    const rule: RequestFault = { ...input, id: `fault_${randomUUID()}`, matched: 0 }
    this.rules.push(rule)
    return rule
  }

  list(): RequestFault[] {
    return this.rules.map((rule) => ({ ...rule }))
  }

  remove(id: string): boolean {
    const before = this.rules.length
    this.rules = this.rules.filter((rule) => rule.id !== id)
    return this.rules.length < before
  }

  clear(): void {
    this.rules = []
  }

  /** The first live rule that matches, consuming one of its `times`. */
  take(target: RequestTarget): RequestFault | undefined {
    const rule = this.rules.find((candidate) => matches(candidate, target))
    if (!rule) {
      return undefined
    }
    rule.matched += 1
    if (rule.times !== undefined && rule.matched >= rule.times) {
      this.remove(rule.id)
    }
    return { ...rule }
  }
}

function matches(rule: RequestFault, target: RequestTarget): boolean {
  return (
    (rule.psp === undefined || rule.psp === target.psp) &&
    (rule.endpoint === undefined || rule.endpoint === target.endpoint) &&
    (rule.method === undefined || rule.method === target.method) &&
    (rule.path === undefined || globToRegExp(rule.path).test(target.path))
  )
}

/** Per-PSP queue of one-shot or standing outcomes ("the next credit decision is rejected"). */
export class OutcomeOverrides<Outcome> {
  private queue: Array<{ outcome: Outcome; remaining: number | undefined }> = []

  set(outcome: Outcome, times?: number): void {
    this.queue.push({ outcome, remaining: times })
  }

  take(): Outcome | undefined {
    const head = this.queue[0]
    if (!head) {
      return undefined
    }
    if (head.remaining !== undefined) {
      head.remaining -= 1
      if (head.remaining <= 0) {
        this.queue.shift()
      }
    }
    return head.outcome
  }

  list(): Array<{ outcome: Outcome; remaining: number | null }> {
    return this.queue.map(({ outcome, remaining }) => ({ outcome, remaining: remaining ?? null }))
  }

  clear(): void {
    this.queue = []
  }
}
