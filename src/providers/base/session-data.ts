/**
 * What this plugin keeps in Medusa's payment-session and payment `data` (JSON, so amounts are
 * base-10 strings of minor units), with zod schemas to read it back. `data` from the store API is
 * caller-controlled: only `checkout` (set by the server-side middleware) and `return_url` (checked
 * against the configured origin) are read from it.
 */
import { z } from "zod"
import type { CheckoutLine } from "../../lifecycle/order-lines"

const minorUnits = z.string().regex(/^-?\d+$/, { error: "must be an integer amount in minor units" })

const storedLineSchema = z.object({
  reference: z.string().min(1),
  description: z.string(),
  kind: z.enum(["product", "shipping", "discount", "fee"]),
  quantity: z.number().int().positive(),
  total_amount: minorUnits,
  vat_rate: z.string(),
  variant_id: z.string().optional(),
  order_item_id: z.string().optional(),
})
export type StoredCheckoutLine = z.infer<typeof storedLineSchema>

export const checkoutDataSchema = z.object({
  cart_id: z.string().min(1),
  lines: z.array(storedLineSchema).min(1),
  customer: z
    .object({
      email: z.string().optional(),
      phone: z.string().optional(),
      firstName: z.string().optional(),
      lastName: z.string().optional(),
      countryCode: z.string().optional(),
    })
    .default({}),
})
export type CheckoutData = z.infer<typeof checkoutDataSchema>

export function serializeLine(line: CheckoutLine): StoredCheckoutLine {
  return {
    reference: line.reference,
    description: line.description,
    kind: line.kind,
    quantity: line.quantity,
    total_amount: line.totalAmount.toString(),
    vat_rate: line.vatRate,
    ...(line.variantId ? { variant_id: line.variantId } : {}),
    ...(line.orderItemId ? { order_item_id: line.orderItemId } : {}),
  }
}

export function deserializeLine(line: StoredCheckoutLine): CheckoutLine {
  return {
    reference: line.reference,
    description: line.description,
    kind: line.kind,
    quantity: line.quantity,
    totalAmount: BigInt(line.total_amount),
    vatRate: line.vat_rate,
    ...(line.variant_id ? { variantId: line.variant_id } : {}),
    ...(line.order_item_id ? { orderItemId: line.order_item_id } : {}),
  }
}

export function serializeCheckout(input: {
  cartId: string
  lines: CheckoutLine[]
  customer: CheckoutData["customer"]
}): CheckoutData {
  return { cart_id: input.cartId, lines: input.lines.map(serializeLine), customer: input.customer }
}

/** What the provider returns as session data, and reads back on every later call. */
export const pspSessionDataSchema = z.object({
  session_id: z.string().min(1),
  psp_reference: z.string().min(1),
  currency_code: z.string().min(3),
  /** the amount the PSP payment was created for, minor units */
  amount: minorUnits,
  redirect_url: z.string().optional(),
  psp_state: z.string().optional(),
  psp_status: z.string().optional(),
})
export type PspSessionData = z.infer<typeof pspSessionDataSchema>
