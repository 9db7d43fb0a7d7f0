/**
 * Nemuru Order API wire formats, from shared/reference/psp-protocols.md §1. Requests are built by
 * mapping.ts; responses and notifications are parsed here before anything reads them. Unknown
 * fields are allowed (Nemuru adds fields over time); the fields we act on are checked.
 *
 * [INFERRED] parts (the reference could not confirm them): the shape of `GET /order/{id}/`, the
 * capture/refund bodies and answers, the notification body beyond `order_id` and `status`. The
 * paths are connector options (NemuruPaths); the field names follow the sandbox.
 */
import { z } from "zod"

/** Checkout statuses: approved, confirmed, on_hold and denied are documented; pending and cancelled [INFERRED]. */
export const NEMURU_ORDER_STATUSES = ["pending", "approved", "confirmed", "on_hold", "denied", "cancelled"] as const
export type NemuruOrderStatus = (typeof NEMURU_ORDER_STATUSES)[number]

/** A Nemuru amount: decimal euros, a JSON number (or a string, tolerated on the way in). */
const amount = z.union([z.number(), z.string()])

export const nemuruTokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  token_type: z.string().optional(),
  refresh_token: z.string().optional(),
})

/** Nemuru's error object (N2, N9): `exception` is machine-readable, `schema_errors` only on 400. */
export const nemuruErrorSchema = z.object({
  status: z.string().optional(),
  exception: z.string().optional(),
  error: z.string().optional(),
  schema_errors: z.record(z.string(), z.string()).optional(),
})

/** POST /order/ answers 201; the order id is in the `Id` header, the body has the hosted page ([INFERRED]). */
export const nemuruCreateOrderResponseSchema = z.object({ redirect_url: z.string().url().optional() }).passthrough()

export const nemuruOperationSchema = z.object({
  id: z.string().min(1),
  order_id: z.string().optional(),
  type: z.enum(["capture", "refund"]).optional(),
  /** the lender's decision: pending until it confirms or rejects ([INFERRED]) */
  status: z.enum(["pending", "confirmed", "rejected"]),
  transactional: z.boolean().optional(),
  amount,
  items: z.array(z.object({ id: z.string().min(1), units: z.number().int().min(0), amount })).default([]),
  created_at: z.string().optional(),
  settled_at: z.string().nullable().optional(),
  /** the lender's reason for a rejection, where Nemuru gives one ([INFERRED]) */
  reason: z.string().nullable().optional(),
})
export type NemuruOperation = z.infer<typeof nemuruOperationSchema>

export const nemuruOrderItemSchema = z.object({
  id: z.string().min(1),
  article: z.object({ name: z.string().optional(), reference: z.string().optional() }).passthrough(),
  units: z.number().int().min(0),
  total_price_with_tax: amount,
  captured_units: z.number().int().min(0).optional(),
  refunded_units: z.number().int().min(0).optional(),
})

/** [INFERRED] `GET /order/{id}/`: status, item ids, amounts and the captures and refunds. */
export const nemuruOrderSchema = z.object({
  order_id: z.string().min(1),
  status: z.enum(NEMURU_ORDER_STATUSES),
  redirect_url: z.string().optional(),
  merchant: z.object({ order_reference_1: z.string().optional() }).passthrough().optional(),
  cart: z.object({
    reference: z.string().optional(),
    currency: z.string().min(3),
    total_price_with_tax: amount,
    items: z.array(nemuruOrderItemSchema),
  }),
  captured_amount: amount.optional(),
  refunded_amount: amount.optional(),
  captures: z.array(nemuruOperationSchema).default([]),
  refunds: z.array(nemuruOperationSchema).default([]),
})
export type NemuruOrder = z.infer<typeof nemuruOrderSchema>

/**
 * A notification (N5): the order id, the status, for order management the event
 * (`order_capture_created`, `order_refund_created` [SEED-ONLY]) and the operation, plus our
 * `notification_additional_payload` echoed at the top level.
 */
export const nemuruNotificationSchema = z
  .object({
    order_id: z.string().min(1),
    status: z.string().min(1),
    event: z.string().min(1).optional(),
    capture: z.object({ id: z.string().min(1), status: z.string().optional() }).passthrough().optional(),
    refund: z.object({ id: z.string().min(1), status: z.string().optional() }).passthrough().optional(),
  })
  .passthrough()
export type NemuruNotification = z.infer<typeof nemuruNotificationSchema>

/** What we send to create an order. */
export type NemuruCreateOrderRequest = {
  product: "instalments" | "split_pay"
  merchant: {
    order_reference_1: string
    order_reference_2?: string
    notification_url: string
    notification_auth: { authorization_header: string; content_type: string }
    notification_additional_payload: Record<string, string>
    success_url: string
    failure_url: string
    pending_url: string
  }
  customer?: { first_name?: string; last_name?: string; email?: string; phone_number?: string }
  cart: {
    reference: string
    currency: string
    total_price_with_tax: number
    items: Array<{
      article: {
        name: string
        type: string
        category: string
        reference: string
        unit_price_with_tax: number
        description?: string
      }
      units: number
      total_price_with_tax: number
    }>
  }
}

/** [INFERRED] what we send to capture or refund: item ids with their units, and the mode. */
export type NemuruOperationRequest = {
  items: Array<{ id: string; units: number }>
  transactional: boolean
}
