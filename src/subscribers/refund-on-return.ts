/**
 * Return received → refund exactly the received lines at the PSP (unless refundOnReturn is off).
 *
 * A return can be received in several receipts, and Medusa keeps only the latest receipt's
 * quantity on the return item. So each confirmed receipt (a `return_receive` order change) is
 * refunded on its own, keyed by its id: a redelivered event, or the event of a later receipt,
 * refunds nothing twice and nothing less.
 */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { refundOrderLinesWorkflow } from "../workflows/refund-order-lines"
import { ledgerOf } from "../workflows/utils/order-payments"

const RECEIVED = new Set(["RECEIVE_RETURN_ITEM", "RECEIVE_DAMAGED_RETURN_ITEM"])

type Receipt = { id: string; actions?: { action: string; details?: { reference_id?: string; quantity?: number | string } | null }[] }

export default async function refundOnReturn({ event, container }: SubscriberArgs<{ order_id: string; return_id: string }>): Promise<void> {
  if (!ledgerOf(container).lifecyclePolicy().refundOnReturn) {
    return
  }
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "order_change",
    fields: ["id", "actions.action", "actions.details"],
    filters: { return_id: event.data.return_id, change_type: "return_receive", status: "confirmed" },
  })
  for (const receipt of data as Receipt[]) {
    const quantities = new Map<string, number>()
    for (const action of receipt.actions ?? []) {
      const itemId = action.details?.reference_id
      if (RECEIVED.has(action.action) && itemId) {
        quantities.set(itemId, (quantities.get(itemId) ?? 0) + Number(action.details?.quantity ?? 0))
      }
    }
    const items = [...quantities].map(([order_item_id, quantity]) => ({ order_item_id, quantity })).filter((item) => item.quantity > 0)
    if (items.length) {
      await refundOrderLinesWorkflow(container).run({
        input: { order_id: event.data.order_id, source: "return", id: receipt.id, items },
      })
    }
  }
}

export const config: SubscriberConfig = {
  event: "order.return_received",
  context: { subscriberId: "medusa-order-payments-refund-on-return" },
}
