/**
 * The connector conformance suite for CM.com (EUR, integer cents). CM answers captures and refunds
 * synchronously and has no cancel (the suite's cancel case is not applicable: `cancel: "none"`).
 * CM pings the merchant's Update URL, not a URL per order: the harness points the sandbox
 * merchant's Update URL at the run's receiver before the shopper pays.
 */
import { describeConnectorConformance } from "../../__tests__/conformance"
import type { CallbackInput } from "../../types"
import { cmConnector, decideCm, setUpdateUrl } from "./fixtures"

const get = (query: Record<string, unknown>): CallbackInput => ({ method: "GET", rawBody: Buffer.alloc(0), headers: {}, query })
let updateUrl = ""

describeConnectorConformance("cm", {
  currencies: [{ code: "eur", exponent: 2 }],
  connector: (sandbox) => cmConnector(sandbox),
  checkout: ({ currency, key, callbackUrl }) => {
    updateUrl = callbackUrl
    return {
      key,
      // CM's order_reference is our key: the ping's `id` names it
      orderReference: key,
      currency,
      // every cent used: 2 × 59.01 (the last unit 59.02), 4.99
      amount: 12_302n,
      lines: [
        { reference: "SHIRT", description: "Linen Shirt", kind: "product", quantity: 2, totalAmount: 11_803n, vatRate: "21" },
        { reference: "shipping", description: "Standard shipping", kind: "shipping", quantity: 1, totalAmount: 499n, vatRate: "21" },
      ],
      customer: { email: "shopper@example.com", countryCode: "NL" },
      returnUrls: { success: "http://shop.test/ok", fail: "http://shop.test/fail" },
      callbackUrl,
    }
  },
  approve: async (sandbox, created) => {
    await setUpdateUrl(sandbox, updateUrl)
    await decideCm(sandbox, created.pspReference, { decision: "approve", method: "VISA" })
  },
  endpoints: { psp: "cm", capture: "capture", read: "get-order" },
  untrustedCallbacks: (created) => [
    get({}),
    get({ id: "" }),
    get({ id: ["a", "b"] }),
    { ...get({ id: created.pspReference }), method: "POST", rawBody: Buffer.from(`{"id":"${created.pspReference}"}`) },
    // well formed, but anyone could send it: an unverified hint, the order is fetched back
    get({ id: "payses_conformance_1" }),
  ],
  lateFailure: undefined,
})
