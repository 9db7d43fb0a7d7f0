import type { CheckoutLine } from "../lifecycle/order-lines"
import { deserializeLine, storedLinesSchema } from "../lifecycle/stored-lines"
import type { PaymentInstrumentRecord } from "../modules/payment-ledger"

/** The order lines an instrument was opened with (as sent to the PSP), bound to order items once placed. */
export function checkoutLinesOf(instrument: PaymentInstrumentRecord): CheckoutLine[] {
  const parsed = storedLinesSchema.safeParse((instrument.metadata ?? {}).checkout_lines)
  return parsed.success ? parsed.data.map(deserializeLine) : []
}
