import { randomUUID } from "node:crypto"
import type { IncomingHttpHeaders } from "node:http"
import { redactBody, redactHeaders } from "./redact"

export type LoggedRequest = {
  id: string
  at: string
  psp?: string
  endpoint?: string
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: unknown
  /** The answer's status; absent when the request hung or its response was dropped. */
  status?: number
  fault?: string
  durationMs?: number
}

const LIMIT = 10_000

/** Every request the simulated PSPs received, secrets redacted; the oldest go first past the limit. */
export class RequestLog {
  private entries: LoggedRequest[] = []

  add(input: {
    psp?: string
    endpoint?: string
    method: string
    path: string
    query: URLSearchParams
    headers: IncomingHttpHeaders
    body: unknown
    rawBody: string
  }): LoggedRequest {
    const entry: LoggedRequest = {
      id: `req_${randomUUID()}`,
      at: new Date().toISOString(),
      psp: input.psp,
      endpoint: input.endpoint,
      method: input.method,
      path: input.path,
      query: Object.fromEntries(input.query),
      headers: redactHeaders(input.headers),
      body: input.body === undefined && input.rawBody.length > 0 ? "[unparsable body]" : redactBody(input.body),
    }
    this.entries.push(entry)
    if (this.entries.length > LIMIT) {
      this.entries.splice(0, this.entries.length - LIMIT)
    }
    return entry
  }

  list(filter: { psp?: string; endpoint?: string; method?: string; limit?: number }): LoggedRequest[] {
    const matching = this.entries.filter(
      (entry) =>
        (filter.psp === undefined || entry.psp === filter.psp) &&
        (filter.endpoint === undefined || entry.endpoint === filter.endpoint) &&
        (filter.method === undefined || entry.method === filter.method.toUpperCase())
    )
    return filter.limit === undefined ? matching : matching.slice(-filter.limit)
  }

  clear(): void {
    this.entries = []
  }
}
