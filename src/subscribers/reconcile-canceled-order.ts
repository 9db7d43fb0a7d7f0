/**
 * Order canceled → after Medusa core has canceled or refunded the payments (it swallows PSP
 * errors, and never releases the uncaptured rest of a partly captured payment), make the PSP agree.
 */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { reconcileCanceledOrderWorkflow } from "../workflows/reconcile-payments"

export default async function reconcileOnOrderCanceled({ event, container }: SubscriberArgs<{ id: string }>): Promise<void> {
  await reconcileCanceledOrderWorkflow(container).run({ input: { order_id: event.data.id } })
}

export const config: SubscriberConfig = {
  event: "order.canceled",
  context: { subscriberId: "medusa-order-payments-reconcile-canceled-order" },
}
