import type { IncomingHttpHeaders } from "node:http"

/** A request as a simulator handler sees it: body already read, parsed by content type. */
export type SandboxRequest = {
  method: string
  path: string
  query: URLSearchParams
  params: Record<string, string>
  headers: IncomingHttpHeaders
  rawBody: string
  /** JSON or form fields; `undefined` when the body was empty or did not parse (see `bodyError`). */
  body: unknown
  bodyError?: string
}

/** Handlers return a value instead of writing to the socket, so the core can apply faults after the fact. */
export type SandboxResponse = {
  status: number
  headers?: Record<string, string>
  body?: string
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): SandboxResponse {
  return {
    status,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(value),
  }
}

export function html(status: number, page: string): SandboxResponse {
  return { status, headers: { "content-type": "text/html; charset=utf-8" }, body: page }
}

export function redirect(location: string): SandboxResponse {
  return { status: 303, headers: { location } }
}

export function noContent(): SandboxResponse {
  return { status: 204 }
}

/** Thrown from a handler to answer with a ready response (a PSP error in that PSP's shape). */
export class ResponseError extends Error {
  constructor(readonly response: SandboxResponse) {
    super(`HTTP ${response.status}`)
  }
}

export function parseBody(contentType: string | undefined, raw: string): { body: unknown; bodyError?: string } {
  if (raw.length === 0) {
    return { body: undefined }
  }
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase()
  if (type === "application/x-www-form-urlencoded") {
    return { body: Object.fromEntries(new URLSearchParams(raw)) }
  }
  try {
    return { body: JSON.parse(raw) as unknown }
  } catch (error) {
    return { body: undefined, bodyError: `body is not valid JSON: ${(error as Error).message}` }
  }
}

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization
  const match = typeof value === "string" ? /^Bearer\s+(\S+)$/i.exec(value) : null
  return match?.[1]
}

/** `Authorization: Basic base64(user:password)` → its parts (CM.com's merchant credentials). */
export function basicCredentials(headers: IncomingHttpHeaders): { user: string; password: string } | undefined {
  const value = headers.authorization
  const match = typeof value === "string" ? /^Basic\s+(\S+)$/i.exec(value) : null
  if (!match) {
    return undefined
  }
  const decoded = Buffer.from(match[1], "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}
