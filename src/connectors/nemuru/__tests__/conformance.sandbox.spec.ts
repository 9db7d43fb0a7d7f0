/**
 * The connector conformance suite for Nemuru, in both modes: transactional (the lender confirms
 * before Nemuru answers: synchronous) and asynchronous (Nemuru answers "initiated" and confirms
 * later; a lender may then reject a capture, the late failure).
 */
import { describeConnectorConformance } from "../../__tests__/conformance"
import type { CallbackInput, CreatedCheckout } from "../../types"
import { notificationAuthorization } from "../callbacks"
import { PAYMENT_PAYLOAD_KEY } from "../mapping"
import { approveAndConfirm, lender, nemuruCheckout, nemuruConnector, nemuruSandboxOptions, NOTIFICATION_SECRET } from "./fixtures"

/** The session key of the last checkout, to forge notifications for its payment. */
let lastKey = ""

const post = (body: unknown, authorization?: string): CallbackInput => ({
  method: "POST",
  rawBody: Buffer.from(typeof body === "string" ? body : JSON.stringify(body), "utf8"),
  headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
  query: {},
})

function untrustedCallbacks(created: CreatedCheckout): CallbackInput[] {
  const body = { [PAYMENT_PAYLOAD_KEY]: lastKey, order_id: created.pspReference, status: "confirmed" }
  return [
    // no Authorization, a wrong one, another order's (valid for that order only), another secret's
    post(body),
    post(body, "Basic bm9wZTpub3Bl"),
    post(body, notificationAuthorization(NOTIFICATION_SECRET, "payses_someone_else")),
    post(body, notificationAuthorization("another-secret", lastKey)),
    // malformed: not JSON, no order id, no payment named, a GET
    post("order_id=1&status=confirmed", notificationAuthorization(NOTIFICATION_SECRET, lastKey)),
    post({ [PAYMENT_PAYLOAD_KEY]: lastKey, status: "confirmed" }, notificationAuthorization(NOTIFICATION_SECRET, lastKey)),
    post({ order_id: created.pspReference, status: "confirmed" }, notificationAuthorization(NOTIFICATION_SECRET, lastKey)),
    { ...post(body, notificationAuthorization(NOTIFICATION_SECRET, lastKey)), method: "GET" },
  ]
}

for (const transactional of [true, false]) {
  describeConnectorConformance(transactional ? "nemuru" : "nemuru-async", {
    sandboxOptions: { nemuru: nemuruSandboxOptions },
    currencies: [{ code: "eur", exponent: 2 }],
    connector: (sandbox) => nemuruConnector(sandbox, { transactional }),
    checkout: (input) => {
      lastKey = input.key
      return nemuruCheckout(input)
    },
    approve: (sandbox, created) => approveAndConfirm(sandbox, created.pspReference),
    endpoints: { psp: "nemuru", capture: "capture", read: "get-order" },
    untrustedCallbacks,
    // asynchronous: the lender rejects a capture Nemuru accepted; transactional: it is refused at once
    lateFailure: transactional ? undefined : { arm: (sandbox) => lender(sandbox, "reject") },
  })
}
