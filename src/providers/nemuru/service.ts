/**
 * Nemuru (Order API) as a Medusa payment provider: `pp_nemuru_<id>`.
 * Everything but the options and the connector comes from PspProvider.
 */
import { z } from "zod"
import { DEFAULT_NEMURU_PATHS, NemuruConnector } from "../../connectors/nemuru"
import type { Connector } from "../../connectors/types"
import { PspProvider } from "../base/psp-provider"
import { baseProviderOptionsSchema } from "../base/options"

export const NEMURU_BASE_URLS = {
  /** documented (nemuru-eng examples) */
  staging: "https://api.stg.nemuru.io/api/",
  /** [INFERRED] by analogy with staging; confirm with Nemuru */
  production: "https://api.nemuru.io/api/",
} as const

const relativePath = z
  .string()
  .min(1)
  .refine((value) => !/^[a-z]+:\/\//i.test(value), { error: "must be a path relative to baseUrl, not a URL" })

export const nemuruOptionsSchema = baseProviderOptionsSchema.extend({
  /** `staging` or `production` Nemuru, or `sandbox`: a PSP simulator at `baseUrl` (http and local hosts allowed). */
  environment: z.enum(["staging", "production", "sandbox"]).default("staging"),
  baseUrl: z.string().url().optional(),
  username: z.string({ error: "required: the Nemuru API user (an e-mail address) Nemuru issued" }).min(1),
  password: z.string({ error: "required: the password of the Nemuru API user" }).min(1),
  /**
   * Derives the Authorization value each order's notifications must carry (HMAC-SHA256 of the
   * payment session id). At least 32 characters; changing it invalidates open orders' notifications.
   */
  notificationSecret: z
    .string({ error: "required: a random secret of at least 32 characters that authenticates Nemuru's notifications" })
    .min(32, { error: "must be at least 32 characters (a random secret; it authenticates Nemuru's notifications)" }),
  /**
   * `true` (Nemuru's recommendation): captures and refunds wait for the lender's confirmation and
   * are final when Nemuru answers. `false`: Nemuru answers "initiated", and the lender's decision
   * comes later in a notification (or is read back by the reconcile job).
   */
  transactional: z.boolean().default(true),
  /** Answer Nemuru's `approved` notification with `autoconfirm: true`, so the lender confirms at once. */
  autoConfirm: z.boolean().default(true),
  /** The financing Nemuru offers the shopper. */
  product: z.enum(["instalments", "split_pay"]).default("instalments"),
  /** [INFERRED] API paths, relative to the base URL; `{id}` is the order id. Defaults: the sandbox's. */
  paths: z
    .object({
      login: relativePath.optional(),
      createOrder: relativePath.optional(),
      order: relativePath.optional(),
      capture: relativePath.optional(),
      refund: relativePath.optional(),
      cancel: relativePath.optional(),
    })
    .strict()
    .default({}),
  /** The response header carrying a new order's id (documented: `Id`). */
  orderIdHeader: z.string().min(1).default("Id"),
  /** Log in again this long before the bearer token expires. */
  tokenRefreshMarginSeconds: z.number().int().min(0).max(600).default(60),
})

export type NemuruProviderOptions = z.infer<typeof nemuruOptionsSchema>

export class NemuruProvider extends PspProvider<NemuruProviderOptions> {
  static override identifier = "nemuru"
  static optionsSchema = nemuruOptionsSchema
  protected readonly pspDisplayName = "Nemuru"

  constructor(cradle: Record<string, unknown>, options: NemuruProviderOptions) {
    super(cradle, options)
  }

  protected createConnector(options: NemuruProviderOptions): Connector {
    return new NemuruConnector({
      baseUrl: options.baseUrl ?? NEMURU_BASE_URLS[options.environment as keyof typeof NEMURU_BASE_URLS],
      username: options.username,
      password: options.password,
      notificationSecret: options.notificationSecret,
      transactional: options.transactional,
      autoConfirm: options.autoConfirm,
      product: options.product,
      paths: { ...DEFAULT_NEMURU_PATHS, ...options.paths },
      orderIdHeader: options.orderIdHeader,
      timeoutMs: options.timeoutMs,
      tokenRefreshMarginSeconds: options.tokenRefreshMarginSeconds,
    })
  }
}
