/**
 * CM.com Payments "PSP API" payloads (psp-protocols.md §3), validated with zod. Amounts are
 * integer minor units as JSON numbers; they are converted to bigint at this edge only.
 */
import { z } from "zod"

/** `reference` on a capture: at most 50 characters (the sandbox's capture schema). */
export const CM_CAPTURE_REFERENCE_MAX_LENGTH = 50
/** `refund_reference` on a refund: at most 50 characters. */
export const CM_REFUND_REFERENCE_MAX_LENGTH = 50

const minor = z.number().int().nonnegative()

export const cmErrorSchema = z
  .object({
    message: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() }).passthrough()).optional(),
  })
  .passthrough()

export const cmCreateOrderResponseSchema = z
  .object({ order_key: z.string().min(1), expires_on: z.string().optional(), url: z.string().url() })
  .passthrough()

const movementSchema = z
  .object({
    id: z.string().min(1).optional(),
    amount: minor,
    currency: z.string().optional(),
    state: z.string(),
    date_last_modified: z.string().optional(),
    reference: z.string().optional(),
    description: z.string().optional(),
  })
  .passthrough()

export const cmPaymentSchema = z
  .object({
    id: z.string().min(1),
    method: z.string().min(1),
    authorization: z
      .object({
        amount: minor,
        currency: z.string().optional(),
        confidence: z.string().optional(),
        state: z.string(),
        reason: z.string().optional(),
      })
      .passthrough(),
    captures: z.array(movementSchema).default([]),
    refunds: z.array(movementSchema).default([]),
  })
  .passthrough()
export type CmPayment = z.output<typeof cmPaymentSchema>

export const cmOrderSchema = z
  .object({
    order_key: z.string().min(1),
    order_reference: z.string().min(1),
    amount: minor,
    currency: z.string().regex(/^[A-Za-z]{3}$/),
    expires_on: z.string().optional(),
    considered_safe: z.object({ level: z.string(), timestamp: z.string().optional() }).passthrough().optional(),
    payments: z.array(cmPaymentSchema).default([]),
  })
  .passthrough()
export type CmOrder = z.output<typeof cmOrderSchema>

export const cmOrderListSchema = z.array(cmOrderSchema)

export const cmCaptureResponseSchema = z
  .object({ id: z.string().min(1).optional(), amount: minor, currency: z.string(), state: z.string().optional() })
  .passthrough()

export const cmRefundResponseSchema = z
  .object({ merchant_request_key: z.string().min(1).optional(), amount: minor, currency: z.string() })
  .passthrough()

export const cmItemsResponseSchema = z.array(z.unknown())

/** What we send; typed here so that mapping.ts builds exactly these shapes. */
export type CmCreateOrderRequest = {
  order_reference: string
  description: string
  amount: number
  currency: string
  email?: string
  language: string
  country?: string
  profile?: string
  expiry?: { expire_after: { unit: "MINUTES"; duration: number } }
  return_urls: { success: string; pending: string; canceled: string; error: string }
}

export type CmOrderItemRequest = {
  number: number
  code: string
  name: string
  type: "PHYSICAL" | "DIGITAL" | "SHIPPING_FEE" | "DISCOUNT" | "OTHER"
  quantity: number
  currency: string
  unit_amount: number
  amount: number
  vat_rate?: string
}
