/**
 * Resurs Bank Merchant API 2.0 (MAPI) wire formats, from shared/reference/psp-protocols.md §4.
 * Requests are built by mapping.ts; responses and callbacks are parsed here before anything reads
 * them. Unknown fields are allowed (Resurs adds fields over time); the fields we act on are strict.
 */
import { z } from "zod"

export const RESURS_PAYMENT_STATUSES = [
  "TASK_REDIRECTION_REQUIRED",
  "INSPECTION",
  "SUPPLEMENTING_REQUIRED",
  "FROZEN",
  "ACCEPTED",
  "REJECTED",
] as const
export type ResursPaymentStatus = (typeof RESURS_PAYMENT_STATUSES)[number]

export const RESURS_LINE_TYPES = [
  "NORMAL",
  "PHYSICAL_GOODS",
  "DIGITAL_GOODS",
  "DISCOUNT",
  "SHIPPING",
  "FEE",
  "GIFT_CARD",
  "OTHER_PAYMENT",
] as const

/** A Resurs amount: a JSON number in major units with at most 2 decimals. */
const amount = z.union([z.number(), z.string()])

export const resursOrderLineSchema = z.object({
  description: z.string().max(50),
  reference: z.string().max(50).optional(),
  quantity: z.number().positive(),
  quantityUnit: z.string().max(50).optional(),
  vatRate: z.number().min(0).max(99.99),
  totalAmountIncludingVat: amount,
  unitAmountIncludingVat: amount.optional(),
  totalVatAmount: amount.optional(),
  type: z.enum(RESURS_LINE_TYPES).optional(),
})
export type ResursOrderLine = z.infer<typeof resursOrderLineSchema>

/** The order lines we send carry exact decimals as numbers built from strings, see mapping.ts. */
export type ResursOrderLineRequest = {
  description: string
  reference: string
  quantity: number
  quantityUnit: string
  vatRate: number
  totalAmountIncludingVat: number
  type: (typeof RESURS_LINE_TYPES)[number]
}

export type ResursCreatePaymentRequest = {
  storeId: string
  paymentMethodId: string
  order: { orderReference: string; orderLines: ResursOrderLineRequest[] }
  customer?: {
    customerType: "NATURAL"
    email?: string
    mobilePhone?: string
    deliveryAddress?: { fullName?: string; firstName?: string; lastName?: string; countryCode?: string }
  }
  metadata?: { custom: { key: string; value: string }[] }
  options: {
    initiatedOnCustomersDevice: boolean
    handleFrozenPayments: boolean
    handleManualInspection: boolean
    automaticCapture: boolean
    callbacks: { authorization: { url: string }; management: { url: string } }
    redirectionUrls: { customer: { failUrl: string; successUrl: string } }
    timeToLiveInMinutes: number
  }
}

/** The longest `transactionId` we send Resurs; longer keys are hashed to fit (keys.ts), never cut. */
export const RESURS_TRANSACTION_ID_MAX_LENGTH = 50

export type ResursManagementRequest = {
  orderLines?: ResursOrderLineRequest[]
  creator?: string
  /** our key on captures and refunds; Resurs keeps it on the actionLog entry (none on cancels) */
  transactionId?: string
}

export const resursTokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
})

const actionLogEntrySchema = z.object({
  actionId: z.string(),
  type: z.enum(["CREATE", "MODIFY_ORDER", "CAPTURE", "REFUND", "CANCEL"]),
  created: z.string().optional(),
  orderLines: z.array(resursOrderLineSchema).default([]),
  transactionId: z.string().nullish(),
  creator: z.string().nullish(),
})
export type ResursActionLogEntry = z.infer<typeof actionLogEntrySchema>

export const resursPaymentSchema = z.object({
  id: z.string().min(1),
  created: z.string().optional(),
  storeId: z.string().optional(),
  status: z.enum(RESURS_PAYMENT_STATUSES),
  rejectedReason: z.object({ category: z.string() }).nullish(),
  countryCode: z.string().optional(),
  order: z.object({
    orderReference: z.string(),
    actionLog: z.array(actionLogEntrySchema).default([]),
    possibleActions: z.array(z.object({ action: z.string() })).default([]),
    totalOrderAmount: amount,
    canceledAmount: amount.default(0),
    authorizedAmount: amount.default(0),
    capturedAmount: amount.default(0),
    refundedAmount: amount.default(0),
  }),
  taskRedirectionUrls: z
    .object({ merchantUrl: z.string().nullish(), customerUrl: z.string().nullish(), coApplicantUrl: z.string().nullish() })
    .nullish(),
  metadata: z.object({ custom: z.array(z.object({ key: z.string(), value: z.string() })).default([]) }).nullish(),
})
export type ResursPayment = z.infer<typeof resursPaymentSchema>

/** `POST v2/payments/search`: the payments of a store, by order reference. */
export const resursPaymentSearchSchema = z.object({ content: z.array(resursPaymentSchema).default([]) })

export const resursErrorSchema = z
  .object({
    traceId: z.string().optional(),
    code: z.union([z.string(), z.number()]).optional(),
    message: z.string().optional(),
    timestamp: z.string().optional(),
    parameters: z.record(z.string(), z.string()).optional(),
    error: z.string().optional(),
    error_description: z.string().optional(),
  })
  .passthrough()

export const resursAuthorizationCallbackSchema = z.object({
  paymentId: z.string().min(1),
  status: z.enum(["AUTHORIZED", "CAPTURED", "FROZEN", "REJECTED"]),
  created: z.string().optional(),
  checkoutId: z.string().nullish(),
})

export const resursManagementCallbackSchema = z.object({
  paymentId: z.string().min(1),
  action: z.enum(["CAPTURE", "REFUND", "CANCEL"]),
  actionId: z.string().min(1),
  created: z.string().optional(),
  checkoutId: z.string().nullish(),
})
