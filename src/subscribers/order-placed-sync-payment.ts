/**
 * When an order is placed with one of this plugin's payments, sync it with the PSP: links the
 * instrument to the order, ties its lines to the order's items, and marks the order on hold when
 * the PSP holds the payment (however the order came about: storefront or callback).
 */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { PAYMENT_LEDGER_MODULE, type PaymentLedgerModuleService } from "../modules/payment-ledger"
import { captureOrderLinesWorkflow } from "../workflows/capture-order-lines"
import { syncPaymentWithPspWorkflow } from "../workflows/sync-payment-with-psp"

export default async function syncPaymentOnOrderPlaced({ event, container }: SubscriberArgs<{ id: string }>): Promise<void> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const ledger = container.resolve<PaymentLedgerModuleService>(PAYMENT_LEDGER_MODULE)
  const { data: orders } = await query.graph({
    entity: "order",
    fields: ["id", "payment_collections.payment_sessions.id"],
    filters: { id: event.data.id },
  })
  const sessions = ((orders[0] as { payment_collections?: { payment_sessions?: { id: string }[] }[] } | undefined)
    ?.payment_collections ?? []).flatMap((collection) => collection.payment_sessions ?? [])
  for (const session of sessions) {
    const instrument = await ledger.findInstrumentBySession(session.id)
    if (instrument?.psp_reference) {
      await syncPaymentWithPspWorkflow(container).run({ input: { instrument_id: instrument.id, source: "order.placed" } })
    }
  }
  if (ledger.lifecyclePolicy().captureOnOrderPlaced) {
    // digital goods: the whole order at once, through the same capture path as fulfillments
    await captureOrderLinesWorkflow(container).run({
      input: { order_id: event.data.id, source: "order", id: event.data.id },
    })
  }
}

export const config: SubscriberConfig = {
  event: "order.placed",
  context: { subscriberId: "medusa-order-payments-order-placed" },
}
