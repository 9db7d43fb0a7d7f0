/**
 * CM.com Payments (PSP API) as a Medusa payment provider: `pp_cm_<id>`. The Update URL to set in
 * CM.com's back office is `<backendUrl>/hooks/psp/cm_<id>`. Everything but the options and the
 * connector comes from PspProvider.
 */
import { z } from "zod"
import { CmConnector } from "../../connectors/cm"
import type { Connector } from "../../connectors/types"
import { PspProvider } from "../base/psp-provider"
import { baseProviderOptionsSchema } from "../base/options"

/** Up to and including `/merchants/`; the merchant key follows (psp-protocols.md §3.2). */
export const CM_BASE_URLS = {
  test: "https://testsecure.docdatapayments.com/ps/api/public/v1/merchants/",
  production: "https://secure.docdatapayments.com/ps/api/public/v1/merchants/",
} as const

const CM_METHODS = ["IDEAL", "VISA", "MASTERCARD", "KLARNA", "GIFTCARD", "BANCONTACT", "PAYPAL", "SOFORT", "AMEX", "MAESTRO"] as const

export const cmOptionsSchema = baseProviderOptionsSchema.extend({
  /** `test` or `production` CM.com, or `sandbox`: a PSP simulator at `baseUrl` (http and local hosts allowed). */
  environment: z.enum(["test", "production", "sandbox"]).default("test"),
  /** Overrides the environment's URL (up to `/merchants/`); https on a public host unless environment is `sandbox`. */
  baseUrl: z.string().url().optional(),
  merchantName: z.string({ error: "required: the CM.com merchant name (HTTP Basic user)" }).min(1),
  merchantPassword: z.string({ error: "required: the CM.com merchant password (HTTP Basic password)" }).min(1),
  merchantKey: z.string({ error: "required: the CM.com merchant key (in every API path)" }).min(1),
  /** ISO 639-1: the language of CM's payment menu and e-mails. */
  language: z.string().regex(/^[a-z]{2}$/, { error: 'an ISO 639-1 code such as "en" or "nl"' }).default("en"),
  /** CM's payment-method profile for the menu; omitted: the merchant's default profile. */
  profile: z.string().min(1).max(50).optional(),
  /** ISO 3166-1 alpha-2 sent when the cart has no country (CM wants one). */
  defaultCountry: z.string().regex(/^[A-Z]{2}$/, { error: 'an ISO 3166-1 alpha-2 code such as "NL"' }).default("NL"),
  /** The currencies of the CM.com account (ISO 4217); carts in others are refused before they reach CM. */
  currencies: z
    .array(z.string().regex(/^[A-Za-z]{3}$/, { error: 'an ISO 4217 code such as "EUR"' }).transform((code) => code.toLowerCase()))
    .min(1)
    .default(["eur"]),
  /** How long the shopper has to pay on the menu; then CM expires the order. */
  expiryMinutes: z.number().int().min(1).max(30_240).default(120),
  /** Methods whose money CM moves at authorization: adopted as captures, never captured again. */
  capturedOnAuthorization: z.array(z.enum(CM_METHODS)).default(["GIFTCARD", "IDEAL"]),
  /** The refund `description` CM shows on the shopper's statement. */
  refundDescription: z.string().min(1).max(255).default("Refund"),
})

export type CmProviderOptions = z.infer<typeof cmOptionsSchema>

export class CmProvider extends PspProvider<CmProviderOptions> {
  static override identifier = "cm"
  static optionsSchema = cmOptionsSchema
  protected readonly pspDisplayName = "CM.com"

  constructor(cradle: Record<string, unknown>, options: CmProviderOptions) {
    super(cradle, options)
  }

  protected createConnector(options: CmProviderOptions): Connector {
    return new CmConnector({
      baseUrl: options.baseUrl ?? CM_BASE_URLS[options.environment as keyof typeof CM_BASE_URLS],
      merchantName: options.merchantName,
      merchantPassword: options.merchantPassword,
      merchantKey: options.merchantKey,
      currencies: options.currencies,
      language: options.language,
      ...(options.profile ? { profile: options.profile } : {}),
      defaultCountry: options.defaultCountry,
      expiryMinutes: options.expiryMinutes,
      capturedOnAuthorization: options.capturedOnAuthorization,
      refundDescription: options.refundDescription,
      timeoutMs: options.timeoutMs,
    })
  }
}
