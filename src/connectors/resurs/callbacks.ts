/**
 * Resurs MAPI callbacks carry no signature (psp-protocols.md §4.5): nothing can be verified, so a
 * callback is only a hint that names a payment. The pipeline fetches the payment back from Resurs
 * and acts on that, never on the callback's own status field.
 */
import { CallbackRejectedError } from "../errors"
import type { CallbackAcknowledgement, CallbackHint, CallbackInput } from "../types"
import type { z } from "zod"
import { resursAuthorizationCallbackSchema, resursManagementCallbackSchema } from "./schemas"

function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString("utf8"))
  } catch {
    // what Resurs's own ecom library answers to a body it cannot read
    throw new CallbackRejectedError("Resurs callback body is not JSON", 415)
  }
}

export function parseResursCallback(input: CallbackInput): CallbackHint {
  if (input.method !== "POST") {
    throw new CallbackRejectedError(
      `Resurs sends its callbacks as POST with a JSON body; a ${input.method} is not a Resurs callback`,
      400
    )
  }
  const body = parseJson(input.rawBody)
  // the shape says which kind to try first: a failed parse is the costly part of a flood of callbacks
  const looksLikeManagement = typeof body === "object" && body !== null && "action" in body
  const management = looksLikeManagement ? resursManagementCallbackSchema.safeParse(body) : undefined
  if (management?.success) {
    return managementHint(management.data)
  }
  const authorization = resursAuthorizationCallbackSchema.safeParse(body)
  if (authorization.success) {
    const { paymentId, status } = authorization.data
    return {
      lookup: { pspReference: paymentId },
      dedupKey: `authorization:${paymentId}:${status}`,
      event: `AUTHORIZATION:${status}`,
      auditPayload: { ...authorization.data },
      verified: false,
    }
  }
  const managementTried = management ?? resursManagementCallbackSchema.safeParse(body)
  if (managementTried.success) {
    return managementHint(managementTried.data)
  }
  const issues = [...authorization.error.issues, ...managementTried.error.issues]
    .map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`)
    .slice(0, 4)
    .join("; ")
  throw new CallbackRejectedError(`Resurs callback is neither an authorization nor a management callback (${issues})`, 400)
}

function managementHint(data: z.infer<typeof resursManagementCallbackSchema>): CallbackHint {
  return {
    lookup: { pspReference: data.paymentId },
    dedupKey: `management:${data.actionId}`,
    pspActionId: data.actionId,
    event: `MANAGEMENT:${data.action}`,
    auditPayload: { ...data },
    verified: false,
  }
}

/** What Resurs's own ecom library answers to a callback it took (R2 `Repository::process`): 202. */
export function acknowledgeResursCallback(duplicate: boolean): CallbackAcknowledgement {
  return { status: 202, body: { received: true, duplicate } }
}
