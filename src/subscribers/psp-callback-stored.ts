/**
 * Processes the sync a callback asked for: brings its payment in line with the PSP, and once more
 * if another hint arrived meanwhile. With the Redis event bus a failure is retried; the reconcile
 * job picks up any sync still asked for.
 */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { callbackOutcomeLine, writeLogLine } from "../lifecycle/log-lines"
import { syncPaymentWithPsp } from "../workflows/sync-payment-with-psp"

export const PSP_CALLBACK_STORED_EVENT = "psp_callback.stored"

/**
 * Hints that keep arriving while a payment syncs (a burst, or a flood of forged ones) are answered
 * by one more sync each round, at most one per this interval: a flood costs at most one PSP read
 * per payment per second, and a real callback in the middle of it is applied within a second.
 */
export const MIN_SYNC_INTERVAL_MS = 1000

export default async function processStoredPspCallback({ event, container }: SubscriberArgs<{ instrument_id: string }>): Promise<void> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  try {
    for (;;) {
      const started = Date.now()
      const { again } = await syncPaymentWithPsp(container, { instrument_id: event.data.instrument_id, source: "callback" })
      if (!again) {
        return
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, MIN_SYNC_INTERVAL_MS - (Date.now() - started))))
    }
  } catch (error) {
    writeLogLine(logger, callbackOutcomeLine("sync_failed", { instrument: event.data.instrument_id, reason: `${(error as Error).message} (left for the reconcile job)` }))
    throw error
  }
}

export const config: SubscriberConfig = {
  event: PSP_CALLBACK_STORED_EVENT,
  context: { subscriberId: "medusa-order-payments-psp-callback" },
}
