/**
 * Processes the sync a callback asked for: brings its payment in line with the PSP, and once more
 * if another hint arrived meanwhile. With the Redis event bus a failure is retried; the reconcile
 * job picks up any sync still asked for.
 */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { syncPaymentWithPsp } from "../workflows/sync-payment-with-psp"

export const PSP_CALLBACK_STORED_EVENT = "psp_callback.stored"

/** Hints that keep arriving during syncs are left to the next event or the reconcile job after this many rounds. */
const MAX_ROUNDS = 3

export default async function processStoredPspCallback({ event, container }: SubscriberArgs<{ instrument_id: string }>): Promise<void> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  try {
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      const { again } = await syncPaymentWithPsp(container, { instrument_id: event.data.instrument_id, source: "callback" })
      if (!again) {
        return
      }
    }
  } catch (error) {
    logger.error(`psp callback sync of instrument ${event.data.instrument_id} failed, left for the reconcile job: ${(error as Error).message}`)
    throw error
  }
}

export const config: SubscriberConfig = {
  event: PSP_CALLBACK_STORED_EVENT,
  context: { subscriberId: "medusa-order-payments-psp-callback" },
}
