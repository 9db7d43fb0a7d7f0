/**
 * Digital River as a Medusa payment provider: `pp_digitalriver_<id>`.
 * Everything but the options and the connector comes from PspProvider.
 */
import { z } from "zod"
import { DigitalRiverConnector, DIGITAL_RIVER_DEFAULT_CURRENCIES } from "../../connectors/digitalriver"
import type { Connector } from "../../connectors/types"
import { currencyExponent } from "../../lifecycle/money"
import { PspProvider } from "../base/psp-provider"
import { baseProviderOptionsSchema } from "../base/options"

/** One host for test and live: the secret key decides the mode (psp-protocols.md §2.2). */
export const DIGITAL_RIVER_BASE_URL = "https://api.digitalriver.com/"

const SIGNING_SECRETS_REQUIRED =
  "required: the webhook signing secret(s) from Dashboard → Webhooks → Signing secret; during a rotation list the new and the previous one"

function isDigitalRiverCurrency(code: string): boolean {
  try {
    return currencyExponent(code) <= 2
  } catch {
    return false
  }
}

export const digitalRiverOptionsSchema = baseProviderOptionsSchema.extend({
  /**
   * `test` and `production` share one host at Digital River (the key decides); `sandbox`: a PSP
   * simulator at `baseUrl` (http and local hosts allowed).
   */
  environment: z.enum(["test", "production", "sandbox"]).default("test"),
  baseUrl: z.string().url().optional(),
  secretKey: z
    .string({ error: "required: the confidential API key (sk_test_… or sk_live_…) from the Digital River Dashboard" })
    .min(1, { error: "required: the confidential API key (sk_test_… or sk_live_…)" }),
  /** every signing secret accepted for events; Digital River keeps the previous one valid 12 hours after a rotation */
  signingSecrets: z
    .array(z.string().min(1, { error: "a signing secret cannot be empty" }), { error: SIGNING_SECRETS_REQUIRED })
    .min(1, { error: SIGNING_SECRETS_REQUIRED })
    .max(5, { error: "at most 5 signing secrets (the current one and those still valid after rotations)" }),
  /** how old (or how far in the future) a signed event's timestamp may be */
  signatureToleranceSeconds: z.number().int().min(30).max(3600).default(300),
  /** what the HMAC covers: `<unix>.<body>` (default) or the header's first part `t=<unix>.<body>` */
  signedPayload: z.enum(["timestamp", "timestamp-part"]).default("timestamp"),
  /** currencies offered with Digital River (ISO 4217); carts in others are refused before Digital River sees them */
  currencies: z
    .array(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z]{3}$/, { error: 'an ISO 4217 code such as "EUR"' })
        .transform((code) => code.toLowerCase())
        .refine(isDigitalRiverCurrency, { error: "Digital River amounts have at most 2 decimals" })
    )
    .min(1)
    .default([...DIGITAL_RIVER_DEFAULT_CURRENCIES]),
  /** the Drop-in checkout's locale (`en_US`, `de_DE`…); omitted: Digital River's choice */
  locale: z.string().regex(/^[a-z]{2}_[A-Z]{2}$/, { error: 'a locale such as "en_US"' }).optional(),
  /**
   * register `<backendUrl>/hooks/psp/digitalriver_<id>` as a webhook (POST /webhooks) before a
   * checkout when none is there. Off by default: register it in the Dashboard, where its signing
   * secret is shown. The sandbox setup turns it on.
   */
  registerWebhook: z.boolean().default(false),
})

export type DigitalRiverProviderOptions = z.infer<typeof digitalRiverOptionsSchema>

export class DigitalRiverProvider extends PspProvider<DigitalRiverProviderOptions> {
  static override identifier = "digitalriver"
  static optionsSchema = digitalRiverOptionsSchema
  protected readonly pspDisplayName = "Digital River"

  constructor(cradle: Record<string, unknown>, options: DigitalRiverProviderOptions) {
    super(cradle, options)
  }

  protected createConnector(options: DigitalRiverProviderOptions): Connector {
    return new DigitalRiverConnector({
      baseUrl: options.baseUrl ?? DIGITAL_RIVER_BASE_URL,
      secretKey: options.secretKey,
      signingSecrets: options.signingSecrets,
      signatureToleranceSeconds: options.signatureToleranceSeconds,
      signedPayload: options.signedPayload,
      currencies: options.currencies,
      locale: options.locale,
      registerWebhook: options.registerWebhook,
      timeoutMs: options.timeoutMs,
    })
  }
}
