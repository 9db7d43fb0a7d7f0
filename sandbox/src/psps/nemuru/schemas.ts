import { z } from "zod"
import { decimalField } from "../../core/zod-money"

export const AMOUNT_SCALE = 2

export const nemuruOptionsSchema = z
  .object({
    users: z
      .array(z.object({ username: z.string().min(1), password: z.string().min(1) }))
      .min(1)
      .default([{ username: "sandbox@nemuru.test", password: "sandbox-nemuru-password" }]),
    tokenLifetimeSeconds: z.number().int().min(1).default(7200),
    /** How long the lender takes to confirm a capture, refund or order confirmation. */
    lenderConfirmationDelayMs: z.number().int().min(0).default(500),
    /** [INFERRED] Confirm approved orders without waiting for the merchant's `autoconfirm` answer or confirm call. */
    autoConfirm: z.boolean().default(false),
    /** [INFERRED] HTTP status of a refused operation (over-capture, wrong order status) and of a lender rejection. */
    refusalStatus: z.union([z.literal(400), z.literal(409), z.literal(422)]).default(400),
    lenderRejectionStatus: z.union([z.literal(400), z.literal(409), z.literal(422)]).default(409),
  })
  .strict()
export type NemuruOptions = z.output<typeof nemuruOptionsSchema>

export const loginSchema = z.object({ username: z.string().min(1), password: z.string().min(1) })

/** ATOM date-time, e.g. 2024-02-27T12:00:00+01:00. */
const atom = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)$/, "must match the 'date-time-atom' format")

const amount = decimalField(AMOUNT_SCALE, { min: 0n })

export const createOrderSchema = z.object({
  product: z.enum(["split_pay", "instalments"], {
    error: "The product you selected is not a valid. Possible choices: {'split_pay', 'instalments'}.",
  }),
  merchant: z.object({
    order_reference_1: z.string().min(1).max(255),
    order_reference_2: z.string().max(255).optional(),
    notification_url: z.url().optional(),
    notification_auth: z
      .object({ authorization_header: z.string().min(1).optional(), content_type: z.string().min(1).optional() })
      .superRefine((auth, context) => {
        const missing = (["authorization_header", "content_type"] as const).filter((field) => auth[field] === undefined)
        if (missing.length > 0) {
          context.addIssue({ code: "custom", message: `The required properties (${missing.join(", ")}) are missing` })
        }
      })
      .optional(),
    notification_additional_payload: z.record(z.string(), z.unknown()).optional(),
    /** [INFERRED] where the hosted page sends the shopper. */
    success_url: z.url().optional(),
    failure_url: z.url().optional(),
    pending_url: z.url().optional(),
  }),
  customer: z
    .object({
      first_name: z.string().optional(),
      last_name: z.string().optional(),
      email: z.email().optional(),
      phone_number: z.string().optional(),
      document_number: z.string().optional(),
      document_expiration_date: atom.optional(),
      birth_date: atom.optional(),
      locale: z.string().optional(),
    })
    .passthrough()
    .optional(),
  cart: z.object({
    reference: z.string().min(1),
    currency: z.literal("EUR"),
    total_price_with_tax: amount,
    items: z
      .array(
        z.object({
          article: z
            .object({
              name: z.string().min(1),
              type: z.string().default("product"),
              category: z.string().optional(),
              reference: z.string().optional(),
              unit_price_with_tax: amount,
              description: z.string().optional(),
            })
            .passthrough(),
          units: z.number().int().min(1),
          total_price_with_tax: amount,
        })
      )
      .min(1),
  }),
})
export type CreateOrderInput = z.output<typeof createOrderSchema>

/** [INFERRED] capture and refund bodies: item ids (optionally a number of units), or an amount for refunds. */
export const operationSchema = z.object({
  items: z.array(z.object({ id: z.string().min(1), units: z.number().int().min(1).optional() })).min(1).optional(),
  amount: amount.optional(),
  transactional: z.boolean().default(false),
})
export type OperationInput = z.output<typeof operationSchema>
