/**
 * Resurs Bank (Merchant API 2.0) as a Medusa payment provider: `pp_resurs_<id>`.
 * Everything but the options and the connector comes from PspProvider.
 */
import { z } from "zod"
import { currencyExponent } from "../../lifecycle/money"
import { ResursConnector } from "../../connectors/resurs"
import type { Connector } from "../../connectors/types"
import { PspProvider } from "../base/psp-provider"
import { baseProviderOptionsSchema } from "../base/options"

export const RESURS_BASE_URLS = {
  test: "https://merchant-api.integration.resurs.com/",
  production: "https://merchant-api.resurs.com/",
} as const

const RESURS_CURRENCY_REQUIRED =
  "required: the currency of your Resurs store (SEK in Sweden, NOK in Norway, DKK in Denmark, EUR in Finland)"

/** A currency the plugin knows with at most the 2 decimals Resurs amounts carry. */
function isResursCurrency(code: string): boolean {
  try {
    return currencyExponent(code) <= 2
  } catch {
    return false
  }
}

export const resursOptionsSchema = baseProviderOptionsSchema.extend({
  /** `test` or `production` Resurs, or `sandbox`: a PSP simulator at `baseUrl` (http and local hosts allowed). */
  environment: z.enum(["test", "production", "sandbox"]).default("test"),
  /** Overrides the environment's URL; must be https on a public host unless environment is `sandbox`. */
  baseUrl: z.string().url().optional(),
  clientId: z.string({ error: "required: the OAuth2 client id Resurs issued" }).min(1),
  clientSecret: z.string({ error: "required: the OAuth2 client secret Resurs issued" }).min(1),
  scope: z.string().min(1).default("merchant-api"),
  storeId: z.string({ error: "required: the Resurs store id (GET v2/stores)" }).min(1),
  paymentMethodId: z.string({ error: "required: the Resurs payment method id (GET v2/stores/{storeId}/payment_methods)" }).min(1),
  /**
   * The currency of the Resurs store: Resurs payloads carry none, the store's country decides it.
   * Carts in any other currency are refused before they reach Resurs.
   */
  currency: z
    .string({ error: RESURS_CURRENCY_REQUIRED })
    .trim()
    .regex(/^[A-Za-z]{3}$/, { error: `${RESURS_CURRENCY_REQUIRED}; an ISO 4217 code such as "SEK"` })
    .transform((code) => code.toLowerCase())
    .refine(isResursCurrency, { error: "Resurs amounts have at most 2 decimals: use your Resurs store's currency (SEK, NOK, DKK or EUR)" }),
  /** Let Resurs accept payments it freezes for a fraud check (held until released). */
  handleFrozenPayments: z.boolean().default(true),
  /** How long the shopper has to finish the Resurs page; then the payment expires. */
  timeToLiveInMinutes: z.number().int().min(1).max(43_200).default(120),
  /** Refresh the OAuth2 token this long before it expires. */
  tokenRefreshMarginSeconds: z.number().int().min(0).max(600).default(60),
  /** Shown as `creator` in Resurs's action log for captures, refunds and cancels. */
  creator: z.string().min(1).max(50).default("medusa-order-payments"),
})

export type ResursProviderOptions = z.infer<typeof resursOptionsSchema>

export class ResursProvider extends PspProvider<ResursProviderOptions> {
  static override identifier = "resurs"
  static optionsSchema = resursOptionsSchema
  protected readonly pspDisplayName = "Resurs Bank"

  constructor(cradle: Record<string, unknown>, options: ResursProviderOptions) {
    super(cradle, options)
  }

  protected createConnector(options: ResursProviderOptions): Connector {
    return new ResursConnector({
      baseUrl: options.baseUrl ?? RESURS_BASE_URLS[options.environment as keyof typeof RESURS_BASE_URLS],
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      scope: options.scope,
      storeId: options.storeId,
      paymentMethodId: options.paymentMethodId,
      currency: options.currency,
      handleFrozenPayments: options.handleFrozenPayments,
      timeToLiveInMinutes: options.timeToLiveInMinutes,
      tokenRefreshMarginSeconds: options.tokenRefreshMarginSeconds,
      timeoutMs: options.timeoutMs,
      creator: options.creator,
    })
  }
}
