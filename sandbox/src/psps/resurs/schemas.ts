import { z } from "zod"
import { decimalField } from "../../core/zod-money"

export const AMOUNT_SCALE = 2
/** Resurs quantities are floats (1.5 kg); the sandbox keeps them exact to 3 decimals. */
export const QUANTITY_SCALE = 3

export const resursOptionsSchema = z
  .object({
    clients: z
      .array(z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) }))
      .min(1)
      .default([{ clientId: "sandbox-resurs-client", clientSecret: "sandbox-resurs-secret" }]),
    /** Resurs says "A token lasts for 3599 seconds". */
    tokenLifetimeSeconds: z.number().int().min(1).default(3599),
    stores: z
      .array(z.object({ id: z.uuid(), nationalStoreId: z.number().int(), name: z.string(), countryCode: z.enum(["SE", "NO", "FI", "DK"]) }))
      .min(1)
      .default([{ id: "4c4f2b0c-5a0e-4b1e-9d55-0f7d4bbf2c11", nationalStoreId: 1, name: "Sandbox store", countryCode: "SE" }]),
    paymentMethods: z
      .array(
        z.object({
          id: z.uuid(),
          description: z.string(),
          type: z.string(),
          minPurchaseLimit: z.number().min(0),
          maxPurchaseLimit: z.number().min(0),
        })
      )
      .min(1)
      .default([
        { id: "d2a5a3a6-8f5e-4f0b-9b6c-0f3a1d7c0001", description: "Invoice", type: "RESURS_INVOICE", minPurchaseLimit: 10, maxPurchaseLimit: 50_000 },
        { id: "d2a5a3a6-8f5e-4f0b-9b6c-0f3a1d7c0002", description: "Part payment", type: "RESURS_PART_PAYMENT", minPurchaseLimit: 100, maxPurchaseLimit: 100_000 },
      ]),
    /** [INFERRED] status for a refused capture/cancel/refund (over-capture, wrong payment status). */
    refusalStatus: z.union([z.literal(400), z.literal(409), z.literal(422)]).default(400),
  })
  .strict()
export type ResursOptions = z.output<typeof resursOptionsSchema>

export const tokenRequestSchema = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  grant_type: z.string(),
  scope: z.string().optional(),
})

export const orderLineTypeSchema = z.enum([
  "NORMAL",
  "PHYSICAL_GOODS",
  "DIGITAL_GOODS",
  "DISCOUNT",
  "SHIPPING",
  "FEE",
  "GIFT_CARD",
  "OTHER_PAYMENT",
])

export const orderLineSchema = z
  .object({
    description: z.string().min(1).max(50),
    reference: z.string().max(50).optional(),
    quantity: decimalField(QUANTITY_SCALE),
    quantityUnit: z.string().max(50).optional(),
    vatRate: z.number().min(0).max(99.99),
    totalAmountIncludingVat: decimalField(AMOUNT_SCALE),
    unitAmountIncludingVat: decimalField(AMOUNT_SCALE).optional(),
    totalVatAmount: decimalField(AMOUNT_SCALE).optional(),
    type: orderLineTypeSchema.default("NORMAL"),
  })
  .superRefine((line, context) => {
    if (line.quantity <= 0n) {
      context.addIssue({ code: "custom", path: ["quantity"], message: "must be greater than 0" })
    }
    // [INFERRED] only discounts (and gift cards paid with) carry negative amounts
    const mayBeNegative = line.type === "DISCOUNT" || line.type === "GIFT_CARD" || line.type === "OTHER_PAYMENT"
    if (line.totalAmountIncludingVat < 0n && !mayBeNegative) {
      context.addIssue({ code: "custom", path: ["totalAmountIncludingVat"], message: `must not be negative for type ${line.type}` })
    }
  })
export type OrderLineInput = z.output<typeof orderLineSchema>

const url = z.url()

export const createPaymentSchema = z
  .object({
    storeId: z.string().min(1),
    paymentMethodId: z.string().min(1),
    order: z.object({
      orderReference: z.string().regex(/^[\w\-_]{1,36}$/, "must be 1-36 letters, digits, '-' or '_'"),
      orderLines: z.array(orderLineSchema).min(1),
    }),
    customer: z
      .object({
        customerType: z.enum(["NATURAL", "LEGAL"]).optional(),
        governmentId: z.string().min(1).optional(),
        email: z.email().optional(),
        mobilePhone: z.string().optional(),
        deliveryAddress: z.record(z.string(), z.unknown()).optional(),
        deviceInfo: z.record(z.string(), z.unknown()).optional(),
      })
      .passthrough()
      .optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    options: z
      .object({
        initiatedOnCustomersDevice: z.boolean().optional(),
        deliverLinks: z.boolean().optional(),
        handleFrozenPayments: z.boolean().default(false),
        handleManualInspection: z.boolean().default(false),
        automaticCapture: z.boolean().default(false),
        callbacks: z
          .object({
            authorization: z.object({ url }).optional(),
            management: z.object({ url }).optional(),
          })
          .optional(),
        redirectionUrls: z
          .object({
            customer: z.object({ failUrl: url, successUrl: url }).partial().optional(),
            merchant: z.object({ failUrl: url, successUrl: url }).partial().optional(),
            coApplicant: z.object({ failUrl: url, successUrl: url }).partial().optional(),
          })
          .optional(),
        timeToLiveInMinutes: z.number().int().min(1).max(43_200).default(120),
      })
      .default({ handleFrozenPayments: false, handleManualInspection: false, automaticCapture: false, timeToLiveInMinutes: 120 })
      .superRefine((options, context) => {
        if (options.automaticCapture && options.handleFrozenPayments) {
          context.addIssue({ code: "custom", path: ["automaticCapture"], message: "cannot be combined with handleFrozenPayments" })
        }
      }),
  })
  .passthrough()
export type CreatePaymentInput = z.output<typeof createPaymentSchema>

/** capture / cancel / refund: no lines means "everything remaining". */
export const managementRequestSchema = z
  .object({
    orderLines: z.array(orderLineSchema).optional(),
    creator: z.string().max(100).optional(),
    transactionId: z.string().min(1).max(100).optional(),
    invoiceOptions: z.object({ invoiceId: z.string() }).partial().optional(),
    refundNoteOptions: z.object({ refundNoteId: z.string() }).partial().optional(),
  })
  .passthrough()
export type ManagementRequest = z.output<typeof managementRequestSchema>

export const searchRequestSchema = z.object({
  storeId: z.string().min(1),
  orderReference: z.string().optional(),
  governmentId: z.string().optional(),
})

export const addOrderLinesSchema = z
  .object({ orderLines: z.array(orderLineSchema).min(1), creator: z.string().max(100).optional() })
  .passthrough()

export const metadataSchema = z.object({ custom: z.array(z.object({ key: z.string().min(1), value: z.string() })).optional() }).passthrough()
