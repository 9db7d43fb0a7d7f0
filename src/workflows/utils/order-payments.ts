/**
 * An order's payments made through this plugin's providers, with their instruments, tied to the
 * order and its items; and the settlement context of an instrument.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { bindLinesToOrderItems } from "../../lifecycle/order-lines"
import { serializeLine } from "../../lifecycle/stored-lines"
import { PAYMENT_LEDGER_MODULE, type PaymentInstrumentRecord, type PaymentLedgerModuleService } from "../../modules/payment-ledger"
import { resolveConnector } from "../../providers/base/registry"
import { checkoutLinesOf, type OperationContext } from "../../settlement"

export type OrderPayment = {
  paymentId: string
  instrument: PaymentInstrumentRecord
}

export function ledgerOf(container: MedusaContainer): PaymentLedgerModuleService {
  return container.resolve<PaymentLedgerModuleService>(PAYMENT_LEDGER_MODULE)
}

/** The order's payments made through this plugin's providers, with their instruments. */
export async function orderPayments(container: MedusaContainer, orderId: string): Promise<OrderPayment[]> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const ledger = ledgerOf(container)
  const { data } = await query.graph({
    entity: "order",
    fields: ["id", "payment_collections.payments.id", "payment_collections.payments.payment_session_id"],
    filters: { id: orderId },
  })
  const payments = ((data[0] as { payment_collections?: { payments?: { id: string; payment_session_id: string }[] }[] } | undefined)
    ?.payment_collections ?? []).flatMap((collection) => collection.payments ?? [])
  const found: OrderPayment[] = []
  for (const payment of payments) {
    let instrument = await ledger.findInstrumentBySession(payment.payment_session_id)
    if (!instrument?.psp_reference) {
      continue
    }
    if (instrument.payment_id !== payment.id || checkoutLinesOf(instrument).some((line) => line.kind === "product" && !line.orderItemId)) {
      // the order.placed sync may not have run yet: lines must be tied to items before money moves by them
      await attachInstrumentToOrder(container, instrument.id, orderId, payment.id)
      instrument = (await ledger.getInstrumentLedger(instrument.id)).instrument
    }
    found.push({ paymentId: payment.id, instrument })
  }
  return found
}

export async function operationContext(container: MedusaContainer, instrument: PaymentInstrumentRecord): Promise<OperationContext> {
  return { ledger: ledgerOf(container), connector: await resolveConnector(container, instrument.provider_id), instrument }
}

/**
 * Links the instrument to its order (and Medusa payment), and ties its product lines to the
 * order's items, which fulfillment captures and return refunds go by. Idempotent.
 */
export async function attachInstrumentToOrder(container: MedusaContainer, instrumentId: string, orderId: string, paymentId?: string): Promise<void> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const link = container.resolve(ContainerRegistrationKeys.LINK)
  const ledger = ledgerOf(container)
  const { instrument } = await ledger.getInstrumentLedger(instrumentId)
  const { data } = await query.graph({ entity: "order", fields: ["id", "payment_instruments.id", "items.*"], filters: { id: orderId } })
  const order = data[0] as
    | { payment_instruments?: { id: string }[]; items?: { id: string; variant_id?: string | null; quantity: number }[] }
    | undefined
  if (!order) {
    return
  }
  if (!order.payment_instruments?.some((candidate) => candidate.id === instrumentId)) {
    await link.create({ [Modules.ORDER]: { order_id: orderId }, [PAYMENT_LEDGER_MODULE]: { payment_instrument_id: instrumentId } })
  }
  if (paymentId && instrument.payment_id !== paymentId) {
    await ledger.setInstrumentReferences(instrumentId, { payment_id: paymentId })
  }
  const lines = checkoutLinesOf(instrument)
  const unbound = lines.some((line) => line.kind === "product" && !line.orderItemId)
  // the order id also names the payment in the plugin's log lines (lifecycle/log-lines.ts)
  if (unbound || instrument.metadata?.order_id !== orderId) {
    await ledger.updatePaymentInstruments({
      id: instrumentId,
      metadata: {
        ...(instrument.metadata ?? {}),
        order_id: orderId,
        ...(unbound ? { checkout_lines: bindLinesToOrderItems(lines, order.items ?? []).map(serializeLine) } : {}),
      },
    })
  }
}

