/**
 * The plugin's lifecycle options: when money moves at the PSP. Shop owners set them on the plugin
 * entry in medusa-config (they reach the payment-ledger module as its options).
 */
import { z } from "zod"
import { closestKey } from "./closest-key"

export const lifecyclePolicySchema = z.object({
  /** What captures at the PSP: a fulfillment being created, the shipment of a fulfillment, or only the admin. */
  captureOn: z.enum(["fulfillment", "shipment", "manual"]).default("fulfillment"),
  /** Capture shipping with the first capture of an order, or with the one that completes it. */
  captureShipping: z.enum(["first", "last"]).default("first"),
  /** Capture the whole order as soon as it is placed (digital goods); fulfillments then capture nothing. */
  captureOnOrderPlaced: z.boolean().default(false),
  /** Refund the returned lines at the PSP when a return is received; off: the admin's Refund button. */
  refundOnReturn: z.boolean().default(true),
  /** The reconcile job settles operations and callbacks left unsettled for longer than this. */
  reconcileAfterSeconds: z.number().int().min(0).max(86_400).default(60),
  /**
   * How long the reconcile job keeps reading payments the PSP has not decided on (the shopper may
   * approve and never come back, with every callback lost): at most every tenth of their age.
   */
  pollPaymentsForHours: z.number().int().min(0).max(24 * 45).default(72),
  /**
   * How long one worker owns a PSP call before another may take it over (a crash or a hang). Longer
   * than any PSP request with its retries.
   */
  operationLeaseSeconds: z.number().int().min(30).max(3600).default(120),
})

export type LifecyclePolicy = z.infer<typeof lifecyclePolicySchema>

/** A misspelled option (`captureOnn`) stops the boot, naming the closest known one. */
export function parseLifecyclePolicy(options: unknown): LifecyclePolicy {
  // what Medusa itself adds to every module's options (its shared database connection)
  const { database: _database, ...own } = (options ?? {}) as Record<string, unknown>
  const parsed = lifecyclePolicySchema.strict().safeParse(own)
  if (!parsed.success) {
    const known = Object.keys(lifecyclePolicySchema.shape)
    const problems = parsed.error.issues.flatMap((issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => {
            const closest = closestKey(key, known)
            return `  - ${key.slice(0, 64)}: unknown option${closest ? `; did you mean "${closest}"?` : ""}`
          })
        : [`  - ${issue.path.join(".") || "(options)"}: ${issue.message}`]
    )
    throw new Error(`Invalid medusa-order-payments plugin options:\n${problems.join("\n")}`)
  }
  return parsed.data
}
