/**
 * The one HTTP client setup every connector uses: axios with a timeout, the retry policy, zod
 * validation of responses, and the classification of failures into definite rejections versus
 * unknown outcomes (see errors.ts).
 *
 * Only requests that are safe to repeat are retried here: reads, and writes the PSP de-duplicates
 * by key. A non-idempotent write that times out surfaces as PspUnknownOutcomeError, and the
 * caller settles it by reading the PSP state. A 429 is the exception: the PSP applied nothing, so
 * every request, write or not, is sent again under the same key while the retry budget lasts, then
 * surfaces as PspRateLimitedError (never a refusal: the operation stays open).
 */
import axios, { type AxiosInstance, type AxiosResponse } from "axios"
import type { z } from "zod"
import {
  PspAuthenticationError,
  PspNotFoundError,
  PspProtocolError,
  PspRateLimitedError,
  PspRequestRejectedError,
  PspUnknownOutcomeError,
  type PspErrorDetails,
} from "./errors"

export type RetryPolicy = {
  /** total attempts, first included */
  attempts: number
  baseDelayMs: number
  maxDelayMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000 }

/**
 * How long to wait before attempt `attempt + 1`: what the PSP asked for (Retry-After) when it said,
 * else exponential backoff with full jitter (AWS architecture blog). `undefined` when the PSP asks
 * for longer than the policy waits in-process: retrying sooner would only be refused again, so the
 * caller gives up at once and the operation is sent again later.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterSeconds?: number): number | undefined {
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds)) {
    const asked = Math.max(0, retryAfterSeconds * 1000)
    return asked <= policy.maxDelayMs ? asked : undefined
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return Math.floor(Math.random() * ceiling)
}

const HTTP_DATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/

/**
 * A Retry-After header (RFC 9110 §10.2.3) in whole seconds from `now`: delay-seconds, or an
 * HTTP-date (a date in the past is 0). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(header: unknown, now: number = Date.now()): number | undefined {
  if (typeof header !== "string") {
    return undefined
  }
  const value = header.trim()
  if (/^\d+$/.test(value)) {
    return Number(value)
  }
  if (HTTP_DATE.test(value)) {
    const at = Date.parse(value)
    return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
  }
  return undefined
}

export type PspErrorBody = { code?: string; message?: string; traceId?: string; fields?: Record<string, string> }

export type PspHttpClientOptions = {
  psp: string
  baseUrl: string
  timeoutMs: number
  retry?: RetryPolicy
  /** headers proving who we are; called before each attempt (tokens may be refreshed) */
  authHeaders(): Promise<Record<string, string>>
  /** forget cached credentials after a 401, so that the next attempt logs in again */
  onUnauthorized?(): void
  /** reads the PSP's error body into code, message and field errors */
  parseErrorBody(body: unknown): PspErrorBody
}

export type PspRequest<T> = {
  operation: string
  method: "GET" | "POST" | "PUT" | "DELETE"
  path: string
  body?: unknown
  /** headers for this request only (e.g. an idempotency key) */
  headers?: Record<string, string>
  /** true for reads and for writes the PSP de-duplicates: those may be retried after a timeout */
  safeToRetry: boolean
  response: z.ZodType<T>
}

export type PspHttpResult<T> = { data: T; headers: Record<string, string> }

export type PspHttpClient = {
  request<T>(request: PspRequest<T>): Promise<PspHttpResult<T>>
  /** the underlying axios instance, for the rare protocol step outside the common path (logins) */
  readonly axios: AxiosInstance
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function createPspHttpClient(options: PspHttpClientOptions): PspHttpClient {
  const policy = options.retry ?? DEFAULT_RETRY_POLICY
  const instance = axios.create({
    baseURL: options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`,
    timeout: options.timeoutMs,
    // every status is classified below, not thrown by axios
    validateStatus: () => true,
    headers: { Accept: "application/json" },
  })

  async function request<T>(req: PspRequest<T>): Promise<PspHttpResult<T>> {
    const base: PspErrorDetails = { psp: options.psp, operation: req.operation }
    let reauthenticated = false
    for (let attempt = 1; ; attempt++) {
      let response: AxiosResponse
      // outside the try: failing to authenticate is not an unknown outcome, nothing was sent
      const headers = { ...(await options.authHeaders()), ...req.headers }
      try {
        response = await instance.request({
          method: req.method,
          url: req.path.replace(/^\//, ""),
          data: req.body,
          headers,
        })
      } catch (error) {
        // no answer: timeout, reset, refused. The PSP may have applied the request.
        const reason = axios.isAxiosError(error) ? (error.code ?? error.message) : String(error)
        if (req.safeToRetry && attempt < policy.attempts) {
          await sleep(retryDelayMs(policy, attempt) ?? 0)
          continue
        }
        throw new PspUnknownOutcomeError(`${options.psp} ${req.operation}: no answer (${reason})`, base)
      }

      const responseHeaders = Object.fromEntries(
        Object.entries(response.headers).map(([name, value]) => [name.toLowerCase(), String(value)])
      )
      const status = response.status
      if (status >= 200 && status < 300) {
        const parsed = req.response.safeParse(response.data)
        if (!parsed.success) {
          const problems = parsed.error.issues
            .slice(0, 5)
            .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
            .join("; ")
          throw new PspProtocolError(`${options.psp} ${req.operation}: unexpected response (${problems})`, {
            ...base,
            httpStatus: status,
          })
        }
        return { data: parsed.data, headers: responseHeaders }
      }

      const body = options.parseErrorBody(response.data)
      const details: PspErrorDetails = {
        ...base,
        httpStatus: status,
        code: body.code,
        traceId: body.traceId,
        fields: body.fields,
      }
      const summary = [body.code, body.message].filter(Boolean).join(": ") || `HTTP ${status}`
      const fieldText = body.fields
        ? ` (${Object.entries(body.fields)
            .map(([field, message]) => `${field}: ${message}`)
            .join("; ")})`
        : ""
      const message = `${options.psp} ${req.operation} failed: ${summary}${fieldText}`

      if (status === 401 || status === 403) {
        if (status === 401 && !reauthenticated && options.onUnauthorized) {
          reauthenticated = true
          options.onUnauthorized()
          attempt--
          continue
        }
        throw new PspAuthenticationError(message, details)
      }
      const retryAfterSeconds = parseRetryAfter(responseHeaders["retry-after"])
      if (status === 429) {
        // the PSP applied nothing: the same request (same key) may go again, write or not
        const delay = attempt < policy.attempts ? retryDelayMs(policy, attempt, retryAfterSeconds) : undefined
        if (delay !== undefined) {
          await sleep(delay)
          continue
        }
        throw new PspRateLimitedError(message, details, retryAfterSeconds)
      }
      if (status >= 500) {
        const delay = req.safeToRetry && attempt < policy.attempts ? retryDelayMs(policy, attempt, retryAfterSeconds) : undefined
        if (delay !== undefined) {
          await sleep(delay)
          continue
        }
        // a 5xx may hide an applied write
        throw new PspUnknownOutcomeError(message, details)
      }
      if (status === 404) {
        throw new PspNotFoundError(message, details)
      }
      throw new PspRequestRejectedError(message, details)
    }
  }

  return { request, axios: instance }
}
