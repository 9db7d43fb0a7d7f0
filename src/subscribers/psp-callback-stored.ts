/**
 * Processes a stored PSP callback: syncs its payment with the PSP. With the Redis event bus a
 * failure is retried; the reconcile job picks up any callback still unprocessed.
 */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { syncPaymentWithPspWorkflow } from "../workflows/sync-payment-with-psp"

export const PSP_CALLBACK_STORED_EVENT = "psp_callback.stored"

export default async function processStoredPspCallback({
  event,
  container,
}: SubscriberArgs<{ callback_id: string; instrument_id: string }>): Promise<void> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  try {
    await syncPaymentWithPspWorkflow(container).run({
      input: { instrument_id: event.data.instrument_id, callback_id: event.data.callback_id, source: "callback" },
    })
  } catch (error) {
    logger.error(`psp callback ${event.data.callback_id}: processing failed, left for the reconcile job: ${(error as Error).message}`)
    throw error
  }
}

export const config: SubscriberConfig = {
  event: PSP_CALLBACK_STORED_EVENT,
  context: { subscriberId: "medusa-order-payments-psp-callback" },
}
