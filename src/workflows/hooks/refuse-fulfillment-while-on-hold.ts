/**
 * A payment the PSP holds (Resurs FROZEN, in review, not yet safe) must not ship: creating a
 * fulfillment for an order on hold fails with a clear error, and Medusa rolls the fulfillment back.
 */
import { createOrderFulfillmentWorkflow } from "@medusajs/medusa/core-flows"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { ORDER_PAYMENT_METADATA_KEY, type OrderPaymentMetadata } from "../sync-payment-with-psp"

createOrderFulfillmentWorkflow.hooks.fulfillmentCreated(async ({ fulfillment }, { container }) => {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data: links } = await query.graph({
    entity: "order_fulfillment",
    fields: ["order_id"],
    filters: { fulfillment_id: fulfillment.id },
  })
  const orderId = (links[0] as { order_id?: string } | undefined)?.order_id
  if (!orderId) {
    return
  }
  const { data: orders } = await query.graph({ entity: "order", fields: ["id", "metadata"], filters: { id: orderId } })
  const payment = (orders[0] as { metadata?: Record<string, unknown> | null } | undefined)?.metadata?.[
    ORDER_PAYMENT_METADATA_KEY
  ] as OrderPaymentMetadata | undefined
  if (payment?.state === "on_hold" || payment?.state === "failed") {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      payment.state === "on_hold"
        ? `Order ${orderId} is on hold: the PSP has not released its payment (${payment.psp_status}). Fulfill it once the payment is authorized.`
        : `Order ${orderId} has no valid payment (${payment.psp_status}); it cannot be fulfilled.`
    )
  }
})
