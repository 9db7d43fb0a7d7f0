import type { IncomingHttpHeaders } from "node:http"

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|secret|x-api-key|digitalriver-signature)$/i
const SECRET_FIELD = /(secret|password|token|authorization|card_number|cvc|cvv)/i
const REDACTED = "[redacted]"

export function redactHeaders(headers: IncomingHttpHeaders | Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) {
      continue
    }
    const text = Array.isArray(value) ? value.join(", ") : String(value)
    // keep the scheme so a reader can tell Basic from Bearer
    result[name] = SECRET_HEADER.test(name) ? text.replace(/^(\w+\s+)?.*$/s, (_m, scheme?: string) => `${scheme ?? ""}${REDACTED}`) : text
  }
  return result
}

/** Deep copy with every secret-looking field replaced; request bodies are logged through this. */
export function redactBody(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(redactBody)
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, field]) => [
        key,
        SECRET_FIELD.test(key) && (typeof field === "string" || typeof field === "number") ? REDACTED : redactBody(field),
      ])
    )
  }
  return value
}
