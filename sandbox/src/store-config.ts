/**
 * What a store needs to talk to this sandbox: each provider's options (base URL and the sandbox's
 * default credentials), read from the PSPs' own option defaults so they cannot drift apart.
 */
import { cmOptionsSchema } from "./psps/cm/schemas"
import { digitalRiverOptionsSchema } from "./psps/digitalriver/schemas"
import { nemuruOptionsSchema } from "./psps/nemuru/schemas"
import { resursOptionsSchema } from "./psps/resurs/schemas"

export type StoreProviderConfig = {
  /** The provider's `resolve` in the store's medusa-config.ts. */
  resolve: string
  id: string
  options: Record<string, unknown>
  note?: string
}

/** `sandboxUrl`: the sandbox's public URL without a trailing slash, e.g. `http://127.0.0.1:4010`. */
export function storeProviderConfigs(sandboxUrl: string): StoreProviderConfig[] {
  const resurs = resursOptionsSchema.parse({})
  const nemuru = nemuruOptionsSchema.parse({})
  const digitalRiver = digitalRiverOptionsSchema.parse({})
  const cm = cmOptionsSchema.parse({})
  const [resursStore] = resurs.stores
  return [
    {
      resolve: "medusa-order-payments/providers/resurs",
      id: "resurs",
      options: {
        environment: "sandbox",
        baseUrl: `${sandboxUrl}/resurs/`,
        clientId: resurs.clients[0].clientId,
        clientSecret: resurs.clients[0].clientSecret,
        storeId: resursStore.id,
        paymentMethodId: resurs.paymentMethods[0].id,
        currency: CURRENCY_BY_COUNTRY[resursStore.countryCode],
      },
      note: `the sandbox's Resurs store is ${resursStore.countryCode}: enable it on a ${CURRENCY_BY_COUNTRY[resursStore.countryCode]} region`,
    },
    {
      resolve: "medusa-order-payments/providers/nemuru",
      id: "nemuru",
      options: {
        environment: "sandbox",
        baseUrl: `${sandboxUrl}/nemuru/api/`,
        username: nemuru.users[0].username,
        password: nemuru.users[0].password,
        notificationSecret: "<any 32+ random characters of your own>",
      },
      note: "Nemuru takes EUR",
    },
    {
      resolve: "medusa-order-payments/providers/digitalriver",
      id: "digitalriver",
      options: {
        environment: "sandbox",
        baseUrl: `${sandboxUrl}/digitalriver/`,
        secretKey: digitalRiver.apiKeys[0],
        signingSecrets: [digitalRiver.webhookSigningSecret],
        // the sandbox has no Dashboard: the provider registers its webhook itself
        registerWebhook: true,
      },
    },
    {
      resolve: "medusa-order-payments/providers/cm",
      id: "cm",
      options: {
        environment: "sandbox",
        // the provider appends the merchant key
        baseUrl: `${sandboxUrl}/cm/ps/api/public/v1/merchants/`,
        merchantName: cm.merchants[0].name,
        merchantPassword: cm.merchants[0].password,
        merchantKey: cm.merchants[0].key,
      },
      note: `CM.com pings <backendUrl>/hooks/psp/cm_cm: set it with PUT ${sandboxUrl}/_sandbox/cm/merchants/${cm.merchants[0].key} {"updateUrl": "…"}`,
    },
  ]
}

const CURRENCY_BY_COUNTRY = { SE: "SEK", NO: "NOK", FI: "EUR", DK: "DKK" } as const

/** The providers as a block to paste into medusa-config.ts (every provider also needs the store's backendUrl and returnUrl). */
export function formatStoreProviderConfigs(sandboxUrl: string): string {
  const blocks = storeProviderConfigs(sandboxUrl).map((provider) => {
    const options = Object.entries(provider.options)
      .map(([key, value]) => `      ${key}: ${JSON.stringify(value)},`)
      .join("\n")
    const note = provider.note ? `  // ${provider.note}\n` : ""
    return `${note}  {\n    resolve: "${provider.resolve}",\n    id: "${provider.id}",\n    options: {\n      backendUrl, returnUrl, // your store's, as in the README\n${options}\n    },\n  },`
  })
  return `providers: [\n${blocks.join("\n")}\n]`
}
