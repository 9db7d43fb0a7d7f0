/**
 * CM.com's Status Change Notification: a bare GET of the merchant's Update URL with
 * `?id=<order_reference>`, no status, no signature (psp-protocols.md §3.4). It is only a hint that
 * the order changed: the payment is found by our merchant reference and fetched back. Pings have
 * no identity of their own (`dedupKey: null`): a burst is coalesced into one fetch.
 */
import { CallbackRejectedError } from "../errors"
import type { CallbackAcknowledgement, CallbackHint, CallbackInput } from "../types"

/** Our order references are payment session ids: printable, no spaces, at most 255 characters. */
const ORDER_REFERENCE = /^[\x21-\x7e]{1,255}$/

export function parseCmCallback(input: CallbackInput): CallbackHint {
  if (input.method !== "GET") {
    throw new CallbackRejectedError(`CM.com sends its status notifications as GET ?id=<order_reference>; a ${input.method} is not one`, 400)
  }
  const id = input.query.id
  if (typeof id !== "string" || !ORDER_REFERENCE.test(id)) {
    throw new CallbackRejectedError("CM.com status notification without a valid `id` (the order reference)", 400)
  }
  return {
    lookup: { merchantReference: id },
    dedupKey: null,
    event: "status_change",
    auditPayload: { id },
    verified: false,
  }
}

/** What CM's own Magento extension answers a notification it took: 200 `{}`. */
export function acknowledgeCmCallback(): CallbackAcknowledgement {
  return { status: 200, body: {} }
}
