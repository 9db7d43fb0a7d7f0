import { randomUUID } from "node:crypto"
import { z } from "zod"
import { Scheduler } from "./clock"
import { redactHeaders } from "./redact"

/** How the sandbox retries a callback the merchant did not answer with 2xx. Changeable at runtime. */
export const retryPolicySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(100).default(6),
    initialDelayMs: z.number().int().min(0).default(1000),
    backoffFactor: z.number().min(1).max(10).default(2),
    maxDelayMs: z.number().int().min(0).default(60_000),
    /** Per attempt; a slower answer counts as a failed attempt. */
    timeoutMs: z.number().int().min(1).default(5000),
  })
  .strict()
export type RetryPolicy = z.infer<typeof retryPolicySchema>

export const callbackFaultSchema = z
  .object({
    psp: z.string().min(1).optional(),
    event: z.string().min(1).optional(),
    effect: z.enum(["drop", "duplicate", "delay", "reorder"]),
    /** duplicate: how many copies are delivered in total (default 2). */
    copies: z.number().int().min(2).max(20).optional(),
    /** delay: wait before the first attempt; reorder: the longest a callback is held back (default 5000). */
    delayMs: z.number().int().min(0).max(600_000).optional(),
    times: z.number().int().min(1).optional(),
  })
  .strict()
export type CallbackFaultInput = z.infer<typeof callbackFaultSchema>
type CallbackFault = CallbackFaultInput & { id: string; matched: number }

export type OutgoingCallback = {
  psp: string
  event: string
  /** The PSP order / payment the callback is about, for filtering. */
  reference?: string
  url: string
  method?: "POST" | "GET"
  body?: string
  /** A function is called per attempt (a fresh signature on every retry). */
  headers?: Record<string, string> | ((attempt: number) => Record<string, string>)
  /** Runs once, on the first 2xx answer (Nemuru's `autoconfirm: true` response header). */
  onDelivered?: (answer: { status: number; headers: Headers }) => void
}

export type CallbackAttempt = {
  attempt: number
  at: string
  headers: Record<string, string>
  status?: number
  error?: string
  durationMs: number
  responseBody?: string
}

export type CallbackDelivery = {
  id: string
  psp: string
  event: string
  reference?: string
  url: string
  method: "POST" | "GET"
  body: unknown
  /** 1 for the original; 2.. for injected duplicates. */
  copy: number
  faults: string[]
  state: "scheduled" | "held" | "retrying" | "delivered" | "failed" | "dropped"
  createdAt: string
  attempts: CallbackAttempt[]
}

type Held = { delivery: CallbackDelivery; request: OutgoingCallback; release: () => void; drop: () => void }

/** The one way every simulated PSP sends callbacks: retries with backoff, faults, and a record of every attempt. */
export class CallbackDispatcher {
  private deliveries: CallbackDelivery[] = []
  private faults: CallbackFault[] = []
  private held: Held[] = []
  private readonly requests = new Map<string, OutgoingCallback>()
  private readonly scheduler = new Scheduler()
  private inFlight = 0
  private idleWaiters: Array<() => void> = []
  private closed = false

  constructor(public policy: RetryPolicy) {}

  addFault(input: CallbackFaultInput): CallbackFault {
    const fault = { ...input, id: `cbfault_${randomUUID()}`, matched: 0 }
    this.faults.push(fault)
    return fault
  }

  listFaults(): CallbackFault[] {
    return this.faults.map((fault) => ({ ...fault }))
  }

  removeFault(id: string): boolean {
    const before = this.faults.length
    this.faults = this.faults.filter((fault) => fault.id !== id)
    return this.faults.length < before
  }

  list(filter: { psp?: string; event?: string; reference?: string } = {}): CallbackDelivery[] {
    return this.deliveries.filter(
      (delivery) =>
        (filter.psp === undefined || delivery.psp === filter.psp) &&
        (filter.event === undefined || delivery.event === filter.event) &&
        (filter.reference === undefined || delivery.reference === filter.reference)
    )
  }

  get(id: string): CallbackDelivery | undefined {
    return this.deliveries.find((delivery) => delivery.id === id)
  }

  send(request: OutgoingCallback): CallbackDelivery[] {
    const fault = this.takeFault(request)
    const copies = fault?.effect === "duplicate" ? fault.copies ?? 2 : 1
    const created: CallbackDelivery[] = []
    for (let copy = 1; copy <= copies; copy += 1) {
      const delivery = this.record(request, copy, fault ? [fault.effect] : [])
      created.push(delivery)
      if (fault?.effect === "drop") {
        delivery.state = "dropped"
      } else if (fault?.effect === "reorder") {
        this.hold(delivery, request, fault.delayMs ?? 5000)
      } else {
        void this.run(delivery, request, fault?.effect === "delay" ? fault.delayMs ?? 1000 : 0)
      }
    }
    if (fault?.effect !== "reorder") {
      this.releaseHeldAfter(request.psp, created)
    }
    return created
  }

  /** Send an existing delivery again (a manual redelivery from the control API). */
  redeliver(id: string, request: OutgoingCallback): CallbackDelivery {
    const original = this.get(id)
    const delivery = this.record(request, original?.copy ?? 1, ["redelivery"])
    void this.run(delivery, request, 0)
    return delivery
  }

  /** Resolves when nothing is scheduled or retrying (held-back callbacks count as in flight). */
  idle(): Promise<void> {
    if (this.inFlight === 0) {
      return Promise.resolve()
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  reset(): void {
    this.deliveries = []
    this.faults = []
    for (const held of [...this.held]) {
      held.drop()
    }
    this.requests.clear()
  }

  close(): void {
    this.closed = true
    this.scheduler.cancelAll()
  }

  /** The request behind a delivery, for redelivery. */
  requestFor(id: string): OutgoingCallback | undefined {
    return this.requests.get(id)
  }

  private record(request: OutgoingCallback, copy: number, faults: string[]): CallbackDelivery {
    const delivery: CallbackDelivery = {
      id: `cb_${randomUUID()}`,
      psp: request.psp,
      event: request.event,
      reference: request.reference,
      url: request.url,
      method: request.method ?? "POST",
      body: parseForRecord(request.body),
      copy,
      faults,
      state: "scheduled",
      createdAt: new Date().toISOString(),
      attempts: [],
    }
    this.deliveries.push(delivery)
    this.requests.set(delivery.id, request)
    return delivery
  }

  private takeFault(request: OutgoingCallback): CallbackFault | undefined {
    const fault = this.faults.find(
      (candidate) =>
        (candidate.psp === undefined || candidate.psp === request.psp) &&
        (candidate.event === undefined || candidate.event === request.event)
    )
    if (!fault) {
      return undefined
    }
    fault.matched += 1
    if (fault.times !== undefined && fault.matched >= fault.times) {
      this.removeFault(fault.id)
    }
    return fault
  }

  private hold(delivery: CallbackDelivery, request: OutgoingCallback, maxHoldMs: number): void {
    delivery.state = "held"
    this.inFlight += 1
    let settled = false
    // run() counts itself in flight before finish() uncounts the hold, so idle() never fires in between
    const settle = (next: () => void) => {
      if (settled) {
        return
      }
      settled = true
      this.held = this.held.filter((held) => held.delivery !== delivery)
      next()
      this.finish()
    }
    const release = () => settle(() => void this.run(delivery, request, 0))
    const drop = () =>
      settle(() => {
        delivery.state = "dropped"
      })
    this.held.push({ delivery, request, release, drop })
    void this.wait(maxHoldMs).then(release)
  }

  /** A reordered callback goes out after the next callback of the same PSP has had its first attempt. */
  private releaseHeldAfter(psp: string, sent: CallbackDelivery[]): void {
    const waiting = this.held.filter((held) => held.request.psp === psp)
    if (waiting.length === 0) {
      return
    }
    const firstAttemptDone = async () => {
      while (!this.closed && sent.some((delivery) => delivery.state === "scheduled" && delivery.attempts.length === 0)) {
        await this.wait(5)
      }
      for (const held of waiting) {
        held.release()
      }
    }
    void firstAttemptDone()
  }

  private async run(delivery: CallbackDelivery, request: OutgoingCallback, initialDelayMs: number): Promise<void> {
    this.inFlight += 1
    try {
      if (initialDelayMs > 0) {
        await this.wait(initialDelayMs)
      }
      const policy = this.policy
      for (let attempt = 1; attempt <= policy.maxAttempts && !this.closed; attempt += 1) {
        const answer = await this.attempt(delivery, request, attempt, policy.timeoutMs)
        if (answer && answer.status >= 200 && answer.status < 300) {
          delivery.state = "delivered"
          request.onDelivered?.(answer)
          return
        }
        if (attempt < policy.maxAttempts) {
          delivery.state = "retrying"
          await this.wait(Math.min(policy.initialDelayMs * policy.backoffFactor ** (attempt - 1), policy.maxDelayMs))
        }
      }
      if (!this.closed) {
        delivery.state = "failed"
      }
    } finally {
      this.finish()
    }
  }

  private async attempt(
    delivery: CallbackDelivery,
    request: OutgoingCallback,
    attempt: number,
    timeoutMs: number
  ): Promise<{ status: number; headers: Headers } | undefined> {
    const headers = typeof request.headers === "function" ? request.headers(attempt) : request.headers ?? {}
    const started = Date.now()
    const record: CallbackAttempt = { attempt, at: new Date(started).toISOString(), headers: redactHeaders(headers), durationMs: 0 }
    try {
      const response = await fetch(request.url, {
        method: request.method ?? "POST",
        headers,
        body: request.method === "GET" ? undefined : request.body,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      })
      const text = await response.text()
      record.status = response.status
      record.responseBody = text.slice(0, 2000)
      return { status: response.status, headers: response.headers }
    } catch (error) {
      record.error = describe(error)
      return undefined
    } finally {
      record.durationMs = Date.now() - started
      delivery.attempts.push(record)
    }
  }

  private wait(ms: number): Promise<void> {
    return this.closed ? Promise.resolve() : this.scheduler.delay(ms)
  }

  private finish(): void {
    this.inFlight -= 1
    if (this.inFlight === 0) {
      const waiters = this.idleWaiters
      this.idleWaiters = []
      waiters.forEach((resolve) => resolve())
    }
  }
}

function parseForRecord(body: string | undefined): unknown {
  if (body === undefined) {
    return undefined
  }
  try {
    return JSON.parse(body) as unknown
  } catch {
    return body
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause
    if (error.name === "TimeoutError") {
      return "timeout"
    }
    return cause?.code ?? cause?.message ?? error.message
  }
  return String(error)
}
