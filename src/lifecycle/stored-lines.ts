/**
 * Order lines as JSON (session data, the instrument's metadata): amounts as base-10 strings of
 * minor units, read back with zod.
 */
import { z } from "zod"
import type { CheckoutLine } from "./order-lines"

const minorUnits = z.string().regex(/^-?\d+$/, { error: "must be an integer amount in minor units" })

export const storedLineSchema = z.object({
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

export const storedLinesSchema = z.array(storedLineSchema)

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

