/**
 * What this plugin keeps in Medusa's payment-session and payment `data` (JSON, so amounts are
 * base-10 strings of minor units), with zod schemas to read it back. `data` from the store API is
 * caller-controlled: only `checkout` (set by the server-side middleware) and `return_url` (checked
 * against the configured origin) are read from it.
 */
import { z } from "zod"
import type { CheckoutLine } from "../../lifecycle/order-lines"
import { serializeLine, storedLineSchema } from "../../lifecycle/stored-lines"

export { deserializeLine, serializeLine, type StoredCheckoutLine } from "../../lifecycle/stored-lines"

const minorUnits = z.string().regex(/^-?\d+$/, { error: "must be an integer amount in minor units" })

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
