/**
 * GET /admin/orders/:id/payment-instruments — the order's payments as the PSP ledger sees them:
 * amounts (authorized, captured, refunded, canceled, capturable, refundable), lines, operations,
 * callbacks, PSP status history and any open reconciliation issue. Amounts are decimal strings in
 * the order's currency. Payments held by the PSP (no Medusa payment yet) are included.
 */
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { presentInstrument } from "../../../../utils/present-instrument"
import { ledgerOf, orderPayments } from "../../../../../workflows/utils/order-payments"

export const GET = async (req: MedusaRequest, res: MedusaResponse): Promise<void> => {
  const ledger = ledgerOf(req.scope)
  const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
  // payments first (this also links and binds instruments the order.placed sync has not reached yet)
  const withPayments = await orderPayments(req.scope, req.params.id)
  const { data } = await query.graph({ entity: "order", fields: ["id", "payment_instruments.id"], filters: { id: req.params.id } })
  const linked = ((data[0] as { payment_instruments?: { id: string }[] } | undefined)?.payment_instruments ?? []).map((row) => row.id)
  const ids = [...new Set([...withPayments.map((payment) => payment.instrument.id), ...linked])]
  const payment_instruments = await Promise.all(
    ids.map(async (id) => {
      const history = await ledger.getInstrumentWithHistory(id)
      return presentInstrument(history.instrument.payment_id, history)
    })
  )
  res.json({ payment_instruments })
}
