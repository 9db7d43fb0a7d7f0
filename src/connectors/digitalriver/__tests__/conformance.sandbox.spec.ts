/**
 * The connector conformance suite for Digital River, in EUR (2 decimals) and JPY (none). Digital
 * River captures asynchronously and may fail a capture after accepting it: the late failure is
 * armed with the sandbox's capture-failure control (`order.charge.capture.failed`).
 */
import axios from "axios"
import { describeConnectorConformance } from "../../__tests__/conformance"
import type { CallbackInput } from "../../types"
import { signDigitalRiverEvent } from "../callbacks"
import { decide, digitalRiverConnector, drCheckoutInput, DR_SIGNING_SECRET } from "./fixtures"

const event = (orderId: string) =>
  JSON.stringify({ id: "evt_forged", type: "order.charge.capture.complete", data: { object: { id: "chg_1", orderId, state: "complete" } }, liveMode: false })

const post = (body: string, headers: Record<string, string>): CallbackInput => ({
  method: "POST",
  rawBody: Buffer.from(body, "utf8"),
  headers: { "content-type": "application/json", ...headers },
  query: {},
})

const now = () => Math.floor(Date.now() / 1000)

describeConnectorConformance("digitalriver", {
  currencies: [
    { code: "eur", exponent: 2 },
    { code: "jpy", exponent: 0 },
  ],
  connector: (sandbox) => digitalRiverConnector(sandbox),
  checkout: (input) => drCheckoutInput(input),
  approve: async (sandbox, created) => {
    await decide(sandbox, created, "approve")
  },
  endpoints: { psp: "digitalriver", capture: "create-fulfillment", read: "list-orders" },
  untrustedCallbacks: (created) => {
    const body = event(created.pspReference)
    return [
      // no signature
      post(body, {}),
      // signed with a secret that is not ours
      post(body, { "digitalriver-signature": signDigitalRiverEvent("someone-else", body, now()) }),
      // signed, then the body changed
      post(body.replace("complete", "failed"), { "digitalriver-signature": signDigitalRiverEvent(DR_SIGNING_SECRET, body, now()) }),
      // genuine, but an hour old: a replay
      post(body, { "digitalriver-signature": signDigitalRiverEvent(DR_SIGNING_SECRET, body, now() - 3600) }),
      // not of the form t=…, v0=…
      post(body, { "digitalriver-signature": "sha256=abc" }),
      { ...post(body, { "digitalriver-signature": signDigitalRiverEvent(DR_SIGNING_SECRET, body, now()) }), method: "GET" },
    ]
  },
  lateFailure: {
    arm: async (sandbox) => {
      await axios.post(`${sandbox.url}/_sandbox/digitalriver/capture-failures`, { times: 1 })
    },
  },
})
