/**
 * Options every PSP provider takes, validated with zod when Medusa boots (validateOptions), with
 * one line per bad or missing field. Secrets are never echoed back in those lines.
 */
import { z } from "zod"
import { closestKey } from "../../lifecycle/closest-key"

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

export class ProviderOptionsError extends Error {
  constructor(identifier: string, readonly problems: string[]) {
    super(`Invalid options for payment provider "${identifier}":\n${problems.map((p) => `  - ${p}`).join("\n")}`)
    this.name = "ProviderOptionsError"
  }
}

/**
 * Validates a provider's options: the schema's own rules, no key it does not know (a misspelled
 * `baseURL` must not silently send the first checkout to the production host), and the URL rules
 * (urlProblems). One line per field; zod messages name the expected type, never the received
 * (secret) value.
 */
export function parseProviderOptions<T extends z.ZodType>(
  identifier: string,
  schema: T,
  options: unknown
): z.infer<T> {
  const strict = schema instanceof z.ZodObject ? (schema.strict() as unknown as T) : schema
  const parsed = strict.safeParse(options ?? {})
  const byField = new Map<string, string[]>()
  const add = (field: string, message: string) => byField.set(field, [...(byField.get(field) ?? []), message])
  if (parsed.success) {
    for (const [field, message] of urlProblems(parsed.data as Record<string, unknown>)) {
      add(field, message)
    }
    if (!byField.size) {
      return parsed.data
    }
  } else {
    const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : []
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          const closest = closestKey(key, known)
          add(printable(key), `unknown option${closest ? `; did you mean "${closest}"?` : ""}`)
        }
        continue
      }
      add(issue.path.join(".") || "(options)", issue.message)
    }
  }
  throw new ProviderOptionsError(
    identifier,
    [...byField].map(([field, messages]) => `${field}: ${[...new Set(messages)].join("; ")}`)
  )
}

/** An option key as it may be printed: visible characters only, bounded. */
function printable(key: string): string {
  return key.replace(/[^\x21-\x7e]/g, "?").slice(0, 64)
}

/**
 * Where the PSP's answers come from and where secrets are sent must be a real PSP host: https,
 * no credentials in the URL, not this machine, not a private or link-local address (the cloud
 * metadata service at 169.254.169.254). Plain http and local hosts are for a provider explicitly
 * pointed at a PSP simulator (`environment: "sandbox"`). The store's own URLs (backendUrl,
 * returnUrl, cancelUrl) may be http on a local host for development, never carry credentials,
 * and backendUrl never points at a link-local address.
 */
export function urlProblems(options: Record<string, unknown>): [string, string][] {
  const problems: [string, string][] = []
  const sandbox = options.environment === "sandbox"
  const check = (field: string, pspHost: boolean) => {
    const value = options[field]
    if (typeof value !== "string") {
      return
    }
    let url: URL
    try {
      url = new URL(value)
    } catch {
      problems.push([field, "must be an absolute http(s) URL"])
      return
    }
    const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase()
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      problems.push([field, "must be an http(s) URL"])
    } else if (url.username || url.password) {
      problems.push([field, "must not carry a user name or password (they would be sent with every request)"])
    } else if (isLinkLocal(host)) {
      problems.push([field, "must not point at a link-local address such as the cloud metadata service"])
    } else if (pspHost && !sandbox && (url.protocol !== "https:" || isLocal(host))) {
      problems.push([field, 'must be an https URL of the PSP (plain http and local hosts only with environment "sandbox")'])
    } else if (!pspHost && url.protocol !== "https:" && !isLocal(host) && !sandbox) {
      problems.push([field, "must be https (http only for a local host during development)"])
    }
  }
  check("baseUrl", true)
  for (const field of ["backendUrl", "returnUrl", "cancelUrl"]) {
    check(field, false)
  }
  if (sandbox && typeof options.baseUrl !== "string") {
    problems.push(["baseUrl", 'required with environment "sandbox": the URL of the PSP simulator'])
  }
  return problems
}

function isLinkLocal(host: string): boolean {
  return /^169\.254\./.test(host) || /^fe[89ab][0-9a-f]:/.test(host) || host === "fd00:ec2::254" || host === "metadata.google.internal"
}

/** This machine or a private network: never a PSP. */
function isLocal(host: string): boolean {
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "0.0.0.0" ||
    host === "::" ||
    host === "::1" ||
    /^127\./.test(host) ||
    /^10\./.test(host) ||
    /^192\.168\./.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host) ||
    /^f[cd][0-9a-f]{2}:/.test(host)
  )
}

/** Fills `{cart_id}` / `{session_id}` in a return URL template. */
export function fillUrlTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    values[name] !== undefined ? encodeURIComponent(values[name]) : whole
  )
}
