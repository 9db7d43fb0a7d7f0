/**
 * GET /admin/orders/:id/payment-instruments — the order's payments as the PSP ledger sees them:
 * amounts (authorized, captured, refunded, canceled, capturable, refundable), lines, operations,
 * callbacks, PSP status history and any open reconciliation issue. Amounts are decimal strings in
 * the order's currency.
 */
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { presentInstrument } from "../../../../utils/present-instrument"
import { ledgerOf, orderPayments } from "../../../../../workflows/utils/order-payments"

export const GET = async (req: MedusaRequest, res: MedusaResponse): Promise<void> => {
  const ledger = ledgerOf(req.scope)
  const payments = await orderPayments(req.scope, req.params.id)
  const payment_instruments = await Promise.all(
    payments.map(async ({ paymentId, instrument }) => presentInstrument(paymentId, await ledger.getInstrumentWithHistory(instrument.id)))
  )
  res.json({ payment_instruments })
}
