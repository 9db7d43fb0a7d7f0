/**
 * The Resurs connector against a started sandbox: its configuration, a checkout and the shopper's
 * approval through the sandbox's control API. Shared by the Resurs sandbox specs.
 */
import axios from "axios"
import type { Sandbox } from "../../../../sandbox/src"
import type { PspOrderLine } from "../../types"
import { ResursConnector, type ResursConnectorConfig } from ".."

export const METHOD_ID = "d2a5a3a6-8f5e-4f0b-9b6c-0f3a1d7c0001"

/** One sandbox store per Resurs country, by the currency its country uses. */
export const STORES = {
  sek: { id: "4c4f2b0c-5a0e-4b1e-9d55-0f7d4bbf2c11", countryCode: "SE" },
  nok: { id: "4c4f2b0c-5a0e-4b1e-9d55-0f7d4bbf2c12", countryCode: "NO" },
  dkk: { id: "4c4f2b0c-5a0e-4b1e-9d55-0f7d4bbf2c13", countryCode: "DK" },
  eur: { id: "4c4f2b0c-5a0e-4b1e-9d55-0f7d4bbf2c14", countryCode: "FI" },
} as const
export type ResursCurrency = keyof typeof STORES

/** Sandbox options with a store in each Resurs country (the default has Sweden only). */
export const resursSandboxOptions = {
  stores: Object.values(STORES).map((store, index) => ({
    id: store.id,
    nationalStoreId: index + 1,
    name: `Sandbox store ${store.countryCode}`,
    countryCode: store.countryCode,
  })),
}

/** Fast retries, and a Retry-After of up to 2 s honoured in-process. */
export const TEST_RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 2_000 }

export function resursConnector(
  sandbox: Sandbox,
  currency: ResursCurrency = "sek",
  overrides: Partial<ResursConnectorConfig> = {}
): ResursConnector {
  return new ResursConnector({
    baseUrl: sandbox.baseUrls.resurs,
    clientId: "sandbox-resurs-client",
    clientSecret: "sandbox-resurs-secret",
    scope: "merchant-api",
    storeId: STORES[currency].id,
    paymentMethodId: METHOD_ID,
    currency,
    handleFrozenPayments: true,
    timeToLiveInMinutes: 60,
    tokenRefreshMarginSeconds: 60,
    timeoutMs: 2_000,
    creator: "connector-test",
    retry: TEST_RETRY,
    ...overrides,
  })
}

export const SHIRTS: PspOrderLine = {
  reference: "SHIRT",
  description: "Linen Shirt",
  kind: "product",
  quantity: 2,
  totalAmount: 129_800n,
  vatRate: "25",
}
export const SHIPPING: PspOrderLine = {
  reference: "shipping",
  description: "Standard shipping",
  kind: "shipping",
  quantity: 1,
  totalAmount: 5_900n,
  vatRate: "25",
}

/** The shopper's decision on the hosted page, without a browser. */
export async function decide(sandbox: Sandbox, paymentId: string, decision: "approve" | "decline" | "hold" | "abandon" = "approve") {
  const answer = await axios.post(`${sandbox.url}/_sandbox/resurs/payments/${paymentId}/decision`, { decision }, { validateStatus: () => true })
  if (answer.status !== 200) {
    throw new Error(`sandbox decision ${decision} on ${paymentId}: HTTP ${answer.status} ${JSON.stringify(answer.data)}`)
  }
}
