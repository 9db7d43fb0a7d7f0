/**
 * Fulfillment created (or shipped, with `captureOn: "shipment"`) → capture exactly its lines at the
 * PSP, once. A failure here does not undo the fulfillment: the operation is journaled and the
 * reconcile job finishes it.
 */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { captureOrderLinesWorkflow } from "../workflows/capture-order-lines"
import { ledgerOf } from "../workflows/utils/order-payments"

type FulfillmentEvent = { order_id?: string; fulfillment_id?: string; id?: string }

export default async function captureOnFulfillment({ event, container }: SubscriberArgs<FulfillmentEvent>): Promise<void> {
  const { captureOn, captureOnOrderPlaced } = ledgerOf(container).lifecyclePolicy()
  const trigger = event.name === "shipment.created" ? "shipment" : "fulfillment"
  if (captureOn !== trigger || captureOnOrderPlaced) {
    return
  }
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const fulfillmentId = event.data.fulfillment_id ?? event.data.id!
  let orderId = event.data.order_id
  if (!orderId) {
    const { data } = await query.graph({ entity: "order_fulfillment", fields: ["order_id"], filters: { fulfillment_id: fulfillmentId } })
    orderId = (data[0] as { order_id?: string } | undefined)?.order_id
  }
  if (!orderId) {
    return
  }
  const { data } = await query.graph({ entity: "fulfillment", fields: ["id", "items.line_item_id", "items.quantity"], filters: { id: fulfillmentId } })
  const items = ((data[0] as { items?: { line_item_id: string | null; quantity: number | string }[] } | undefined)?.items ?? [])
    .filter((item) => item.line_item_id)
    .map((item) => ({ order_item_id: item.line_item_id!, quantity: Number(item.quantity) }))
  await captureOrderLinesWorkflow(container).run({
    input: { order_id: orderId, source: "fulfillment", id: fulfillmentId, items },
  })
}

export const config: SubscriberConfig = {
  event: ["order.fulfillment_created", "shipment.created"],
  context: { subscriberId: "medusa-order-payments-capture-on-fulfillment" },
}
