/**
 * Nemuru notifications carry no signature (psp-protocols.md §1.5): Nemuru sends back, as the
 * `Authorization` header, the value we chose when creating the order (`notification_auth`). We
 * choose a value unique to each order, derived from our payment session id with a server-side
 * secret (HMAC-SHA256), so one order's header cannot be replayed for another, and compare it in
 * constant time. The session id travels in `notification_additional_payload`, which Nemuru echoes
 * back: that is how the notification names our payment. Even verified, a notification is a hint:
 * the order is fetched back from Nemuru before anything changes.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { CallbackRejectedError } from "../errors"
import type { CallbackAcknowledgement, CallbackHint, CallbackInput } from "../types"
import { PAYMENT_PAYLOAD_KEY } from "./mapping"
import { nemuruNotificationSchema } from "./schemas"

/**
 * The `Authorization` value Nemuru sends back with every notification of the order opened for
 * payment session `sessionKey`: a Basic credential (the shape Nemuru's docs show) whose password
 * is HMAC-SHA256(secret, sessionKey).
 */
export function notificationAuthorization(secret: string, sessionKey: string): string {
  const mac = createHmac("sha256", secret).update(`nemuru-notification:${sessionKey}`, "utf8").digest("hex")
  return `Basic ${Buffer.from(`nemuru:${mac}`, "utf8").toString("base64")}`
}

function header(headers: CallbackInput["headers"], name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

function sameSecret(received: string, expected: string): boolean {
  const a = Buffer.from(received, "utf8")
  const b = Buffer.from(expected, "utf8")
  // compare equal lengths only (timingSafeEqual requires it); the length of our value is public
  return a.length === b.length && timingSafeEqual(a, b)
}

export function parseNemuruNotification(input: CallbackInput, secret: string): CallbackHint {
  if (input.method !== "POST") {
    throw new CallbackRejectedError(`Nemuru sends notifications as POST with a JSON body; a ${input.method} is not one`, 400)
  }
  let body: unknown
  try {
    body = JSON.parse(input.rawBody.toString("utf8"))
  } catch {
    throw new CallbackRejectedError("Nemuru notification body is not JSON", 400)
  }
  const parsed = nemuruNotificationSchema.safeParse(body)
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 4)
      .map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`)
      .join("; ")
    throw new CallbackRejectedError(`Nemuru notification is malformed (${issues})`, 400)
  }
  const notification = parsed.data
  const sessionKey = notification[PAYMENT_PAYLOAD_KEY]
  if (typeof sessionKey !== "string" || !sessionKey) {
    throw new CallbackRejectedError(`Nemuru notification does not name our payment (no ${PAYMENT_PAYLOAD_KEY} in the additional payload)`, 400)
  }
  const authorization = header(input.headers, "authorization")
  if (!authorization || !sameSecret(authorization, notificationAuthorization(secret, sessionKey))) {
    // never say what was expected, nor echo what was received
    throw new CallbackRejectedError("Nemuru notification: missing or wrong Authorization header", 401)
  }
  const operation = notification.capture ?? notification.refund
  const event = notification.event ?? notification.status
  return {
    // the header is bound to the session: the notification can only name that session's payment
    lookup: { merchantReference: sessionKey },
    dedupKey: operation ? `${notification.order_id}:${event}:${operation.id}` : `${notification.order_id}:status:${notification.status}`,
    event,
    auditPayload: {
      order_id: notification.order_id,
      status: notification.status,
      ...(notification.event ? { event: notification.event } : {}),
      ...(operation ? { operation_id: operation.id, operation_status: operation.status ?? null } : {}),
    },
    verified: true,
  }
}

/**
 * 200, as Nemuru expects (N5). On an `approved` notification, `autoconfirm: true` asks Nemuru to
 * confirm the order with the lender without a second call from us (when so configured).
 */
export function acknowledgeNemuruNotification(hint: CallbackHint, duplicate: boolean, autoConfirm: boolean): CallbackAcknowledgement {
  return {
    status: 200,
    ...(autoConfirm && hint.event === "approved" ? { headers: { autoconfirm: "true" } } : {}),
    body: { received: true, duplicate },
  }
}
