/**
 * Options every PSP provider takes, validated with zod when Medusa boots (validateOptions), with
 * one line per bad or missing field. Secrets are never echoed back in those lines.
 */
import { z } from "zod"

const httpUrl = z
  .string({ error: "required: an http(s) URL" })
  .url({ error: "must be an absolute http(s) URL" })
  .refine((value) => /^https?:\/\//.test(value), { error: "must start with http:// or https://" })

export const baseProviderOptionsSchema = z.object({
  /**
   * Distinguishes two providers of one PSP (e.g. two Resurs stores); must equal the `id` of the
   * provider's entry in medusa-config when there is more than one.
   */
  id: z.string().min(1).optional(),
  /** The public URL of this Medusa server: the PSP's callbacks go to `<backendUrl>/hooks/psp/...`. */
  backendUrl: httpUrl,
  /**
   * Where the PSP sends the shopper back after its hosted page, success or not. `{cart_id}` and
   * `{session_id}` are replaced. The storefront may pass `data.return_url` per session if it has
   * the same origin.
   */
  returnUrl: httpUrl,
  /** Where the shopper lands after declining or abandoning; defaults to `returnUrl`. */
  cancelUrl: httpUrl.optional(),
  /** Timeout for each PSP request. */
  timeoutMs: z.number().int().min(1000).max(120_000).default(15_000),
})

export type BaseProviderOptions = z.infer<typeof baseProviderOptionsSchema>

/** Names of options whose values must never appear in logs or errors. */
export const SECRET_OPTION_NAMES = new Set(["clientSecret", "password", "secretKey", "apiKey", "webhookSecret", "notificationAuth", "notificationSecret"])

export class ProviderOptionsError extends Error {
  constructor(identifier: string, readonly problems: string[]) {
    super(`Invalid options for payment provider "${identifier}":\n${problems.map((p) => `  - ${p}`).join("\n")}`)
    this.name = "ProviderOptionsError"
  }
}

export function parseProviderOptions<T extends z.ZodType>(
  identifier: string,
  schema: T,
  options: unknown
): z.infer<T> {
  const parsed = schema.safeParse(options ?? {})
  if (parsed.success) {
    return parsed.data
  }
  // one line per field; zod messages name the expected type, never the received (secret) value
  const byField = new Map<string, string[]>()
  for (const issue of parsed.error.issues) {
    const field = issue.path.join(".") || "(options)"
    byField.set(field, [...(byField.get(field) ?? []), issue.message])
  }
  throw new ProviderOptionsError(
    identifier,
    [...byField].map(([field, messages]) => `${field}: ${[...new Set(messages)].join("; ")}`)
  )
}

/** Fills `{cart_id}` / `{session_id}` in a return URL template. */
export function fillUrlTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    values[name] !== undefined ? encodeURIComponent(values[name]) : whole
  )
}
