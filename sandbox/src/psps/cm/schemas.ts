import { z } from "zod"

/** Every amount is an integer number of minor units (cents), as CM.com's PSP API says. */
export const minorUnits = z.number().int("must be an integer number of minor units").positive("must be greater than 0").max(Number.MAX_SAFE_INTEGER)

export const paymentMethodSchema = z.enum(["IDEAL", "VISA", "MASTERCARD", "KLARNA", "GIFTCARD"])
export type PaymentMethod = z.infer<typeof paymentMethodSchema>

export const cmOptionsSchema = z
  .object({
    /** Merchant accounts: the key goes in the path, name and password in HTTP Basic auth. */
    merchants: z
      .array(
        z.object({
          key: z.string().min(1),
          name: z.string().min(1),
          password: z.string().min(1),
          /** The Update URL configured in the merchant's back office; pings go here (also settable through `/_sandbox/cm/merchants/{key}`). */
          updateUrl: z.url().optional(),
        })
      )
      .min(1)
      .default([{ key: "sandbox-cm-merchant-key", name: "sandbox-cm-merchant", password: "sandbox-cm-password" }]),
    methods: z.array(paymentMethodSchema).min(1).default(["IDEAL", "VISA", "MASTERCARD", "KLARNA", "GIFTCARD"]),
    /** The method the hosted menu pays with when the shopper did not start a payment for another one. */
    defaultMethod: paymentMethodSchema.default("VISA"),
    /** [INFERRED] methods whose money moves at authorization (no capture call): iDEAL and gift cards. */
    capturedOnAuthorization: z.array(paymentMethodSchema).default(["IDEAL", "GIFTCARD"]),
    /** [INFERRED] a declined payment keeps the shopper on the menu to try again (CM's way); `true` sends them to `return_urls.error`. */
    declineRedirectsToErrorUrl: z.boolean().default(false),
    /** [INFERRED] an order without `expiry` expires after this many minutes. */
    defaultExpiryMinutes: z.number().int().min(1).default(7 * 24 * 60),
  })
  .strict()
export type CmOptions = z.output<typeof cmOptionsSchema>

const url = z.url()

export const createOrderSchema = z
  .object({
    order_reference: z.string().min(1).max(255),
    description: z.string().min(1).max(255),
    amount: minorUnits,
    currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code"),
    email: z.email().max(200).optional(),
    language: z.string().regex(/^[a-z]{2}$/, "must be an ISO 639-1 code"),
    country: z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code").optional(),
    profile: z.string().min(1).max(50).optional(),
    billing_address_key: z.string().min(1).optional(),
    expiry: z
      .object({ expire_after: z.object({ unit: z.enum(["MINUTES", "HOURS", "DAYS"]), duration: z.number().int().min(1).max(30240) }).strict() })
      .strict()
      .optional(),
    return_urls: z.object({ success: url, pending: url, canceled: url, error: url }).partial().strict().optional(),
  })
  .strict()
  .superRefine((order, context) => {
    if (!order.billing_address_key) {
      for (const field of ["email", "country"] as const) {
        if (order[field] === undefined) {
          context.addIssue({ code: "custom", path: [field], message: "is mandatory without billing_address_key" })
        }
      }
    }
  })
export type CreateOrderInput = z.output<typeof createOrderSchema>

export const orderItemSchema = z
  .object({
    number: z.number().int().min(1),
    code: z.string().min(1).max(50),
    name: z.string().min(1).max(255),
    description: z.string().max(255).optional(),
    type: z.enum(["PHYSICAL", "DIGITAL", "SHIPPING_FEE", "DISCOUNT", "OTHER"]).default("PHYSICAL"),
    quantity: z.number().int().min(1),
    currency: z.string().regex(/^[A-Z]{3}$/),
    unit_amount: z.number().int(),
    amount: z.number().int(),
    vat_amount: z.number().int().optional(),
    vat_rate: z.union([z.string().regex(/^\d{1,2}(\.\d)?$/), z.number().min(0).max(99.9)]).optional(),
  })
  .strict()
  .refine((item) => BigInt(item.unit_amount) * BigInt(item.quantity) === BigInt(item.amount), { message: "must be unit_amount × quantity", path: ["amount"] })
export type OrderItemInput = z.output<typeof orderItemSchema>

export const startPaymentSchema = z
  .object({
    method: paymentMethodSchema,
    authentication_methods: z.array(z.string()).optional(),
    ideal_details: z.object({ issuer_id: z.string() }).partial().optional(),
    card_details: z.record(z.string(), z.unknown()).optional(),
    giftcard_details: z.object({ amount: minorUnits.optional() }).passthrough().optional(),
  })
  .passthrough()
export type StartPaymentInput = z.output<typeof startPaymentSchema>

export const captureSchema = z.object({ amount: minorUnits, currency: z.string().regex(/^[A-Z]{3}$/), reference: z.string().max(50).optional() }).strict()

export const refundSchema = z
  .object({
    refund_reference: z.string().min(1).max(50),
    description: z.string().min(1).max(255),
    amount: minorUnits,
    currency: z.string().regex(/^[A-Z]{3}$/),
    refund_required_date: z.iso.date().optional(),
  })
  .strict()

export const shopperSchema = z
  .object({
    shopper_reference: z.string().min(1).max(50),
    type: z.enum(["CONSUMER", "BUSINESS"]).default("CONSUMER"),
    name: z.object({ initials: z.string().optional(), first: z.string().min(1), middle: z.string().optional(), last: z.string().min(1) }).strict(),
    address: z
      .object({
        street: z.string().min(1),
        housenumber: z.string().min(1),
        housenumber_addition: z.string().optional(),
        postal_code: z.string().optional(),
        city: z.string().min(1),
        state: z.string().optional(),
        country: z.string().regex(/^[A-Z]{2}$/),
      })
      .strict(),
    email: z.email().optional(),
    gender: z.enum(["M", "F", "U"]).optional(),
    date_of_birth: z.iso.date().optional(),
    phone_number: z.string().optional(),
  })
  .strict()
export type ShopperInput = z.output<typeof shopperSchema>
