/**
 * Digital River API wire formats (OpenAPI "Digital River API Reference" 2021-12-13, see
 * shared/reference/psp-protocols.md §2). Requests are built by mapping.ts and typed here after the
 * OpenAPI's request schemas (DropInCheckoutRequest, FulfillmentRequest, RefundRequest,
 * WebhookRequest); responses and events are parsed here before anything reads them. Unknown fields
 * are allowed (Digital River adds fields over time); the fields we act on are checked.
 */
import { z } from "zod"

/** A Digital River amount: decimal major units, a JSON number (read exactly by parseDecimal). */
const amount = z.union([z.number(), z.string()])

/** Metadata values are strings, booleans or integers (OpenAPI `Metadata`). */
export type DigitalRiverMetadata = Record<string, string | boolean | number>
const metadataSchema = z.record(z.string(), z.unknown())

/** The metadata key holding our operation key on fulfillments and refunds (how the engine finds them). */
export const OPERATION_KEY_METADATA = "medusaOperationKey"
/** The metadata key holding our line reference on order items (how fulfillments name DR item ids). */
export const LINE_REFERENCE_METADATA = "medusaLineReference"
/**
 * The longest metadata value we store. The OpenAPI sets no bound on `Metadata`; Digital River's
 * guides and the sandbox take values up to 500 characters. Longer keys are hashed to fit (keys.ts).
 */
export const METADATA_VALUE_MAX_LENGTH = 500

// ---------------------------------------------------------------------------------------------
// Requests (typed after the OpenAPI request schemas; validated against them in the tests)

/** `SkuItemRequest`: one order line on the Drop-in checkout session. */
export type DigitalRiverSkuItemRequest = {
  productDetails: { id?: string; name: string; description?: string }
  /** unit price; `aggregatePrice` is the line's exact total */
  price: number
  aggregatePrice: number
  quantity: number
  metadata: DigitalRiverMetadata
}

/** `DropInCheckoutRequest` (POST /drop-in/checkout-sessions). */
export type DigitalRiverCheckoutSessionRequest = {
  upstreamId: string
  currency: string
  email?: string
  locale?: string
  items: DigitalRiverSkuItemRequest[]
  redirects: { successUrl: string; cancelUrl: string }
  metadata: DigitalRiverMetadata
}

/** `FulfillmentRequestItem`: `quantity` shipped (captured) or `cancelQuantity` cancelled. */
export type DigitalRiverFulfillmentItemRequest = { itemId: string; quantity?: number; cancelQuantity?: number }

/** `FulfillmentRequest` (POST /fulfillments). */
export type DigitalRiverFulfillmentRequest = {
  orderId: string
  items: DigitalRiverFulfillmentItemRequest[]
  metadata: DigitalRiverMetadata
}

/** `RefundItemRequest`. */
export type DigitalRiverRefundItemRequest = { itemId: string; quantity: number; amount: number }

/** `RefundRequest` (POST /refunds). */
export type DigitalRiverRefundRequest = {
  orderId: string
  currency: string
  items: DigitalRiverRefundItemRequest[]
  reason?: string
  metadata: DigitalRiverMetadata
}

/** `WebhookRequest` (POST /webhooks), used only when the connector registers its own endpoint. */
export type DigitalRiverWebhookRequest = {
  types: string[]
  apiVersion: "default"
  address: string
  transportType: "HTTP"
  enabled: boolean
}

// ---------------------------------------------------------------------------------------------
// Responses

export const DR_ORDER_STATES = [
  "pending_payment",
  "in_review",
  "accepted",
  "blocked",
  "cancelled",
  "fulfilled",
  "complete",
  "returned",
  "dispute",
] as const
export type DigitalRiverOrderState = (typeof DR_ORDER_STATES)[number]

export const drCheckoutSessionSchema = z.object({
  id: z.string().min(1),
  link: z.string().min(1).optional(),
  liveMode: z.boolean().optional(),
})

/** `Capture`, `Cancel` and `Refund` entries of a charge. */
const chargeOperationSchema = z.object({
  id: z.string().min(1),
  createdTime: z.string().optional(),
  updatedTime: z.string().optional(),
  amount,
  state: z.string(),
  failureCode: z.string().nullish(),
  failureMessage: z.string().nullish(),
  /** in capture and cancel entries (events and reads): the fulfillment that asked for it */
  fulfillmentId: z.string().nullish(),
})
export type DigitalRiverChargeOperation = z.infer<typeof chargeOperationSchema>

export const drChargeSchema = z.object({
  id: z.string().min(1),
  currency: z.string().optional(),
  amount,
  state: z.string(),
  orderId: z.string().min(1),
  paymentSessionId: z.string().nullish(),
  failureCode: z.string().nullish(),
  failureMessage: z.string().nullish(),
  captures: z.array(chargeOperationSchema).default([]),
  cancels: z.array(chargeOperationSchema).default([]),
  refunds: z.array(chargeOperationSchema).default([]),
})
export type DigitalRiverCharge = z.infer<typeof drChargeSchema>

export const drOrderItemSchema = z.object({
  id: z.string().min(1),
  skuId: z.string().nullish(),
  quantity: z.number().int().min(0),
  state: z.string().optional(),
  amount,
  availableToRefundAmount: amount.optional(),
  metadata: metadataSchema.nullish(),
})
export type DigitalRiverOrderItem = z.infer<typeof drOrderItemSchema>

export const drOrderSchema = z.object({
  id: z.string().min(1),
  upstreamId: z.string().nullish(),
  currency: z.string().min(3),
  totalAmount: amount,
  capturedAmount: amount.default(0),
  cancelledAmount: amount.default(0),
  refundedAmount: amount.default(0),
  availableToRefundAmount: amount.default(0),
  items: z.array(drOrderItemSchema).default([]),
  state: z.enum(DR_ORDER_STATES),
  fraudState: z.string().nullish(),
  payment: z.object({ charges: z.array(drChargeSchema).default([]) }).nullish(),
  metadata: metadataSchema.nullish(),
})
export type DigitalRiverOrder = z.infer<typeof drOrderSchema>

const listOf = <T extends z.ZodType>(item: T) => z.object({ hasMore: z.boolean().default(false), data: z.array(item).default([]) })

export const drOrderListSchema = listOf(drOrderSchema)

export const drFulfillmentSchema = z.object({
  id: z.string().min(1),
  createdTime: z.string().optional(),
  orderId: z.string().min(1),
  items: z
    .array(
      z.object({
        itemId: z.string().min(1),
        skuId: z.string().nullish(),
        quantity: z.number().int().min(0).nullish(),
        cancelQuantity: z.number().int().min(0).nullish(),
      })
    )
    .default([]),
  metadata: metadataSchema.nullish(),
  chargeOperationIds: z.array(z.string()).nullish(),
})
export type DigitalRiverFulfillment = z.infer<typeof drFulfillmentSchema>
export const drFulfillmentListSchema = listOf(drFulfillmentSchema)

export const DR_REFUND_STATES = ["pending_information", "pending", "succeeded", "failed", "expired"] as const

export const drRefundSchema = z.object({
  id: z.string().min(1),
  createdTime: z.string().optional(),
  orderId: z.string().min(1),
  currency: z.string().optional(),
  amount,
  refundedAmount: amount.optional(),
  items: z
    .array(z.object({ itemId: z.string().nullish(), quantity: z.number().int().nullish(), amount: amount.nullish() }))
    .default([]),
  state: z.enum(DR_REFUND_STATES),
  failureReason: z.string().nullish(),
  metadata: metadataSchema.nullish(),
})
export type DigitalRiverRefund = z.infer<typeof drRefundSchema>
export const drRefundListSchema = listOf(drRefundSchema)

export const drWebhookSchema = z.object({
  id: z.string().min(1),
  address: z.string(),
  types: z.array(z.string()).default([]),
  enabled: z.boolean().default(true),
})
export const drWebhookListSchema = listOf(drWebhookSchema)

export const drErrorSchema = z
  .object({
    type: z.string().optional(),
    errors: z.array(z.object({ code: z.string().optional(), parameter: z.string().nullish(), message: z.string().optional() })).default([]),
  })
  .passthrough()

/** The Event envelope (OpenAPI `Event`; the sandbox and D1 spell `digitalriverVersion`). */
export const drEventSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  createdTime: z.string().optional(),
  liveMode: z.boolean().optional(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
})
export type DigitalRiverEvent = z.infer<typeof drEventSchema>
