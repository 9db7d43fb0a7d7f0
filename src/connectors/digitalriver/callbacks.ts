/**
 * Digital River events: `DigitalRiver-Signature: t=<unix seconds>, v0=<base64 HMAC-SHA256>` over
 * `<unix seconds>.<raw body>` (psp-protocols.md §2.5, the official SFCC connector's check),
 * verified against every signing secret configured (Digital River keeps the previous secret valid
 * for 12 hours after a rotation), in constant time, with the timestamp inside a tolerance so that a
 * captured event cannot be replayed later. A verified event is still only a hint: the pipeline
 * reads the order back from Digital River and acts on that.
 *
 * Digital River disables endpoints that keep answering errors: event types we do not act on are
 * acknowledged (CallbackIgnoredError, 2xx) and so are events about orders we do not know
 * (the connector's `acknowledgeUnknown`); neither stores nor changes anything.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { CallbackIgnoredError, CallbackRejectedError } from "../errors"
import type { CallbackAcknowledgement, CallbackHint, CallbackInput } from "../types"
import { drEventSchema } from "./schemas"

export const SIGNATURE_HEADER = "digitalriver-signature"

/** The events the connector acts on: register these on the webhook. */
export const DR_HANDLED_EVENT_TYPES = [
  "checkout_session.order.created",
  "order.accepted",
  "order.review_opened",
  "order.blocked",
  "order.cancelled",
  "order.fulfilled",
  "order.complete",
  "order.refunded",
  "fulfillment.created",
  "order.charge.capture.complete",
  "order.charge.capture.failed",
  "order.charge.cancel.complete",
  "order.charge.cancel.failed",
  "order.charge.refund.complete",
  "order.charge.refund.failed",
  "refund.pending",
  "refund.complete",
  "refund.failed",
] as const

export type DigitalRiverSignatureSettings = {
  /** every signing secret currently valid (the new one and, for 12 hours, the previous one) */
  signingSecrets: readonly string[]
  /** how far the signed timestamp may be from now, in seconds */
  toleranceSeconds: number
  /** what the HMAC covers: `<unix>.<body>` (default), or the header's first part verbatim `t=<unix>.<body>` */
  signedPayload?: "timestamp" | "timestamp-part"
  now?: () => number
}

function headerValue(headers: CallbackInput["headers"], name: string): string | undefined {
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1]
  return Array.isArray(found) ? found[0] : found
}

/** `t=<unix>, v0=<sig>[, v0=<sig>]` → timestamp and signatures; undefined when not of that form. */
export function parseSignatureHeader(header: string): { timestamp: string; signatures: string[] } | undefined {
  let timestamp: string | undefined
  const signatures: string[] = []
  for (const part of header.split(",")) {
    const trimmed = part.trim()
    const at = trimmed.indexOf("=")
    if (at <= 0) {
      continue
    }
    const name = trimmed.slice(0, at)
    const value = trimmed.slice(at + 1)
    if (name === "t") {
      timestamp = value
    } else if (name === "v0" && value) {
      signatures.push(value)
    }
  }
  return timestamp && /^\d{1,12}$/.test(timestamp) && signatures.length ? { timestamp, signatures } : undefined
}

/** The header Digital River would send for `rawBody` at `timestamp` (tests, the README example). */
export function signDigitalRiverEvent(secret: string, rawBody: string | Buffer, timestamp: number, signedPayload: "timestamp" | "timestamp-part" = "timestamp"): string {
  const prefix = signedPayload === "timestamp" ? `${timestamp}.` : `t=${timestamp}.`
  const signature = createHmac("sha256", secret).update(Buffer.concat([Buffer.from(prefix, "utf8"), Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody, "utf8")])).digest("base64")
  return `t=${timestamp}, v0=${signature}`
}

/** Throws CallbackRejectedError unless one signing secret signed this body at a recent timestamp. */
export function verifyDigitalRiverSignature(input: CallbackInput, settings: DigitalRiverSignatureSettings): void {
  const header = headerValue(input.headers, SIGNATURE_HEADER)
  if (!header) {
    throw new CallbackRejectedError("Digital River event without a DigitalRiver-Signature header", 401)
  }
  const parsed = parseSignatureHeader(header)
  if (!parsed) {
    throw new CallbackRejectedError("DigitalRiver-Signature header is not of the form t=<unix>, v0=<signature>", 401)
  }
  const prefix = settings.signedPayload === "timestamp-part" ? `t=${parsed.timestamp}.` : `${parsed.timestamp}.`
  const signed = Buffer.concat([Buffer.from(prefix, "utf8"), input.rawBody])
  const given = parsed.signatures.map((signature) => Buffer.from(signature, "base64"))
  let valid = false
  for (const secret of settings.signingSecrets) {
    const expected = createHmac("sha256", secret).update(signed).digest()
    for (const candidate of given) {
      // every comparison runs, in constant time: how many secrets or signatures matched leaks nothing
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) {
        valid = true
      }
    }
  }
  if (!valid) {
    throw new CallbackRejectedError("DigitalRiver-Signature does not match any configured signing secret", 401)
  }
  // only now that the timestamp is proven ours is its age worth reporting (stale → 400, as DR asks
  // for payloads we cannot handle)
  const now = Math.floor((settings.now ?? Date.now)() / 1000)
  const age = now - Number(parsed.timestamp)
  if (Math.abs(age) > settings.toleranceSeconds) {
    throw new CallbackRejectedError(
      `Digital River event signed ${age} s ${age >= 0 ? "ago" : "in the future"}, outside the ${settings.toleranceSeconds} s tolerance (replayed or clock skew)`,
      400
    )
  }
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value ? value : undefined)

/** Which payment the event is about: our reference where the object carries it, else DR's order id. */
function lookupOf(type: string, object: Record<string, unknown>): CallbackHint["lookup"] | undefined {
  const orderDetails = (object.orderDetails ?? {}) as Record<string, unknown>
  if (type === "checkout_session.order.created") {
    const upstreamId = text(object.upstreamId)
    const orderId = text(object.orderId)
    return upstreamId ? { merchantReference: upstreamId } : orderId ? { pspReference: orderId } : undefined
  }
  if (type.startsWith("order.charge.")) {
    const orderId = text(object.orderId)
    return orderId ? { pspReference: orderId } : undefined
  }
  if (type.startsWith("order.")) {
    const upstreamId = text(object.upstreamId)
    const orderId = text(object.id)
    return upstreamId ? { merchantReference: upstreamId } : orderId ? { pspReference: orderId } : undefined
  }
  if (type === "fulfillment.created") {
    const upstreamId = text(orderDetails.upstreamId)
    const orderId = text(object.orderId)
    return upstreamId ? { merchantReference: upstreamId } : orderId ? { pspReference: orderId } : undefined
  }
  if (type.startsWith("refund.")) {
    const orderId = text(object.orderId)
    return orderId ? { pspReference: orderId } : undefined
  }
  return undefined
}

export function parseDigitalRiverCallback(input: CallbackInput, settings: DigitalRiverSignatureSettings): CallbackHint {
  if (input.method !== "POST") {
    throw new CallbackRejectedError(`Digital River sends events as POST with a JSON body; a ${input.method} is not a Digital River event`, 400)
  }
  // the signature first: nothing of an unproven body is read
  verifyDigitalRiverSignature(input, settings)
  let body: unknown
  try {
    body = JSON.parse(input.rawBody.toString("utf8"))
  } catch {
    throw new CallbackRejectedError("Digital River event body is not JSON", 400)
  }
  const event = drEventSchema.safeParse(body)
  if (!event.success) {
    throw new CallbackRejectedError("Digital River event is not an Event {id, type, data:{object}}", 400)
  }
  const { id, type, data } = event.data
  if (!(DR_HANDLED_EVENT_TYPES as readonly string[]).includes(type)) {
    throw new CallbackIgnoredError(`Digital River event type ${type} is not one this plugin acts on`)
  }
  const lookup = lookupOf(type, data.object)
  if (!lookup) {
    throw new CallbackRejectedError(`Digital River event ${type} names no order`, 400)
  }
  const object = data.object
  return {
    lookup,
    dedupKey: `event:${id}`,
    event: type,
    // ids and states only: no addresses, e-mails or payment details
    auditPayload: {
      eventId: id,
      type,
      orderId: text(object.orderId) ?? (type.startsWith("order.") && !type.startsWith("order.charge.") ? text(object.id) : undefined) ?? null,
      objectId: text(object.id) ?? null,
      state: text(object.state) ?? null,
    },
    verified: true,
  }
}

/** Digital River wants a 2xx within 3 seconds; the work happens after the answer (202). */
export function acknowledgeDigitalRiverCallback(duplicate: boolean): CallbackAcknowledgement {
  return { status: 202, body: { received: true, duplicate } }
}
