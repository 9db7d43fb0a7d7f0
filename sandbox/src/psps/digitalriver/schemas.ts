import { z } from "zod"
import { decimalField } from "../../core/zod-money"

/** Currencies DR prices without decimals; every other currency has two. */
const ZERO_DECIMAL = new Set(["JPY", "KRW", "CLP", "ISK", "HUF", "TWD", "VND"])
export const scaleOf = (currency: string): number => (ZERO_DECIMAL.has(currency) ? 0 : 2)

export const digitalRiverOptionsSchema = z
  .object({
    /** Secret API keys accepted as `Authorization: Bearer <key>`. */
    apiKeys: z.array(z.string().min(1)).min(1).default(["sk_test_sandbox_digitalriver"]),
    /** The signing secret of every webhook registered through the API (Dashboard → Webhooks → Signing secret). */
    webhookSigningSecret: z.string().min(1).default("sandbox-digitalriver-signing-secret"),
    signature: z
      .object({
        /**
         * [INFERRED] what the HMAC covers: `timestamp` = `<unix>.<rawBody>`; `timestamp-part` = the header's
         * first part verbatim (`t=<unix>.<rawBody>`), the literal reading of the official SFCC connector.
         */
        signedPayload: z.enum(["timestamp", "timestamp-part"]).default("timestamp"),
        /** [INFERRED] header layout; the SFCC connector splits on ", ". */
        separator: z.string().default(", "),
      })
      .default({ signedPayload: "timestamp", separator: ", " }),
    /** How long a capture, cancel or refund stays `pending` before DR settles it. */
    settleDelayMs: z.number().int().min(0).default(20),
    /** [INFERRED] query parameters DR appends to the Drop-in `successUrl`. */
    appendOrderToSuccessUrl: z.boolean().default(true),
    /** [INFERRED] a declined payment keeps the shopper on the checkout (DR's way); `true` sends them to `cancelUrl`. */
    declineRedirectsToCancelUrl: z.boolean().default(false),
    /** `digitalriverVersion` stamped on events. */
    apiVersion: z.string().default("2021-12-13"),
  })
  .strict()
export type DigitalRiverOptions = z.output<typeof digitalRiverOptionsSchema>

const metadataSchema = z.record(z.string().max(40), z.union([z.string().max(500), z.boolean(), z.number().int()]))

/** DR sends `"quantity": "2"` in its own examples although the schema says integer; accept both. */
const quantityField = z.union([z.number(), z.string().regex(/^\d+$/)]).transform((value, context) => {
  const quantity = typeof value === "string" ? Number(value) : value
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    context.addIssue({ code: "custom", message: "must be a non-negative integer" })
    return z.NEVER
  }
  return quantity
})

/** A money field; the scale is checked against the currency afterwards (JPY has none). */
const amountField = decimalField(2, { min: 0n })

const addressSchema = z.object({ line1: z.string().optional(), line2: z.string().optional(), city: z.string().optional(), postalCode: z.string().optional(), state: z.string().optional(), country: z.string().length(2) }).passthrough()

export const checkoutSessionRequestSchema = z
  .object({
    upstreamId: z.string().min(1).max(100).optional(),
    currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code"),
    customerId: z.string().optional(),
    language: z.string().optional(),
    locale: z.string().optional(),
    email: z.email().optional(),
    taxInclusive: z.boolean().optional(),
    items: z
      .array(
        z
          .object({
            skuId: z.string().optional(),
            productDetails: z.object({ id: z.string().optional(), name: z.string().min(1), description: z.string().optional() }).passthrough().optional(),
            price: amountField,
            aggregatePrice: amountField.optional(),
            quantity: quantityField.refine((quantity) => quantity >= 1, "must be at least 1"),
            metadata: metadataSchema.optional(),
          })
          .passthrough()
          .refine((item) => item.skuId !== undefined || item.productDetails !== undefined, { message: "give skuId or productDetails", path: ["productDetails"] })
      )
      .min(1),
    shippingChoice: z.object({ amount: amountField, description: z.string().optional(), serviceLevel: z.string().optional() }).passthrough().optional(),
    shipTo: z.object({ address: addressSchema.optional() }).passthrough().optional(),
    billTo: z.object({ address: addressSchema.optional() }).passthrough().optional(),
    chargeType: z.enum(["customer_initiated", "merchant_initiated", "moto"]).optional(),
    redirects: z.object({ successUrl: z.url(), cancelUrl: z.url() }),
    metadata: metadataSchema.optional(),
  })
  .passthrough()
export type CheckoutSessionRequest = z.output<typeof checkoutSessionRequestSchema>

export const fulfillmentRequestSchema = z
  .object({
    orderId: z.string().min(1),
    shipmentId: z.string().optional(),
    items: z
      .array(
        z
          .object({
            itemId: z.string().min(1).optional(),
            skuId: z.string().optional(),
            shipmentItemId: z.string().optional(),
            quantity: quantityField.optional(),
            cancelQuantity: quantityField.optional(),
          })
          .strict()
          .refine((item) => item.itemId !== undefined || item.skuId !== undefined, { message: "give itemId", path: ["itemId"] })
          .refine((item) => (item.quantity ?? 0) > 0 || (item.cancelQuantity ?? 0) > 0, { message: "give a quantity or a cancelQuantity", path: ["quantity"] })
      )
      .min(1),
    trackingCompany: z.string().optional(),
    trackingNumber: z.string().optional(),
    trackingUrl: z.string().optional(),
    metadata: metadataSchema.optional(),
  })
  .strict()
export type FulfillmentRequest = z.output<typeof fulfillmentRequestSchema>

export const refundRequestSchema = z
  .object({
    orderId: z.string().min(1),
    currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code"),
    amount: amountField.optional(),
    percent: z.number().gt(0).max(100).optional(),
    type: z.enum(["shipping", "duty", "tax", "importer_tax"]).optional(),
    items: z
      .array(z.object({ itemId: z.string().min(1), quantity: quantityField.optional(), amount: amountField.optional(), type: z.string().optional() }).strict())
      .min(1)
      .optional(),
    reason: z.string().max(255).optional(),
    metadata: metadataSchema.optional(),
  })
  .strict()
  .refine((refund) => [refund.amount, refund.percent, refund.items].filter((value) => value !== undefined).length === 1, {
    message: "give exactly one of amount, percent or items",
    path: ["amount"],
  })
export type RefundRequest = z.output<typeof refundRequestSchema>

export const webhookRequestSchema = z
  .object({
    types: z.array(z.string().min(1)).min(1),
    apiVersion: z.string().default("default"),
    enabled: z.boolean().default(true),
    address: z.url(),
    transportType: z.enum(["HTTP", "OAUTH"]).default("HTTP"),
    authentication: z.object({ username: z.string(), password: z.string() }).optional(),
  })
  .strict()
export type WebhookRequest = z.output<typeof webhookRequestSchema>

export const webhookUpdateSchema = webhookRequestSchema.partial().strict()
