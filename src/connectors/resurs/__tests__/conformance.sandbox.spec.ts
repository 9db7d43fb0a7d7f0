/**
 * The connector conformance suite for Resurs, in each currency a Resurs store can have (all with
 * 2 decimals). Resurs answers captures synchronously and finally: there is no late failure to test.
 */
import { describeConnectorConformance } from "../../__tests__/conformance"
import type { CallbackInput } from "../../types"
import { decide, resursConnector, resursSandboxOptions, STORES, type ResursCurrency } from "./fixtures"

const post = (body: string): CallbackInput => ({
  method: "POST",
  rawBody: Buffer.from(body, "utf8"),
  headers: { "content-type": "application/json" },
  query: { callback: "AUTHORIZATION" },
})

describeConnectorConformance("resurs", {
  sandboxOptions: { resurs: resursSandboxOptions },
  currencies: (Object.keys(STORES) as ResursCurrency[]).map((code) => ({ code, exponent: 2 })),
  connector: (sandbox, currency) => resursConnector(sandbox, currency as ResursCurrency),
  checkout: ({ currency, key, callbackUrl }) => ({
    key,
    orderReference: key.replace(/^payses_/, "order_"),
    currency,
    // every öre/øre/cent used: 2 × 649.01 (the last unit 649.02), 59.90
    amount: 135_793n,
    lines: [
      { reference: "SHIRT", description: "Linen Shirt", kind: "product", quantity: 2, totalAmount: 129_803n, vatRate: "25" },
      { reference: "shipping", description: "Standard shipping", kind: "shipping", quantity: 1, totalAmount: 5_990n, vatRate: "12.5" },
    ],
    returnUrls: { success: "http://shop.test/ok", fail: "http://shop.test/fail" },
    callbackUrl,
  }),
  approve: (sandbox, created) => decide(sandbox, created.pspReference),
  endpoints: { psp: "resurs", capture: "capture", read: "get-payment" },
  untrustedCallbacks: (created) => [
    post(`paymentId=${created.pspReference}&status=AUTHORIZED`),
    post(`{"paymentId":"${created.pspReference}","status":"PAID"}`),
    post(`{"status":"AUTHORIZED"}`),
    { ...post(`{"paymentId":"${created.pspReference}","status":"AUTHORIZED"}`), method: "GET" },
    // well formed, but anyone could have sent it: an unverified hint, the payment is read back
    post(`{"paymentId":"${created.pspReference}","status":"CAPTURED","created":"2026-01-01T00:00:00Z"}`),
  ],
  lateFailure: undefined,
})
