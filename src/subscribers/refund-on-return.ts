/** Return received (in one or several receipts) → refund exactly the received lines at the PSP, once each (unless refundOnReturn is off). */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { refundOrderLinesWorkflow } from "../workflows/refund-order-lines"
import { ledgerOf } from "../workflows/utils/order-payments"

export default async function refundOnReturn({ event, container }: SubscriberArgs<{ order_id: string; return_id: string }>): Promise<void> {
  if (!ledgerOf(container).lifecyclePolicy().refundOnReturn) {
    return
  }
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "return",
    fields: ["id", "items.item_id", "items.quantity", "items.received_quantity"],
    filters: { id: event.data.return_id },
  })
  const items = ((data[0] as { items?: { item_id: string; quantity: number | string; received_quantity?: number | string | null }[] } | undefined)
    ?.items ?? [])
    .map((item) => ({ order_item_id: item.item_id, quantity: Number(item.received_quantity ?? item.quantity) }))
    .filter((item) => item.quantity > 0)
  if (!items.length) {
    return
  }
  // a return can be received in parts: each receipt is keyed by how much of the return has been
  // received so far, and refunds what earlier receipts did not
  const received = items.reduce((total, item) => total + item.quantity, 0)
  await refundOrderLinesWorkflow(container).run({
    input: { order_id: event.data.order_id, source: "return", id: `${event.data.return_id}:${received}`, return_id: event.data.return_id, items },
  })
}

export const config: SubscriberConfig = {
  event: "order.return_received",
  context: { subscriberId: "medusa-order-payments-refund-on-return" },
}
