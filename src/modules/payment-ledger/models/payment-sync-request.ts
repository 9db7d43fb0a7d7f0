import { model } from "@medusajs/framework/utils"

/**
 * A standing request to read one payment from the PSP and bring the store in line. Callbacks,
 * pings and the reconcile job add to it; however many arrive, one row per instrument: a burst of
 * hints causes one sync, and a hint that arrives during a sync causes one more after it. Kept
 * apart from the instrument row so that acknowledging a callback never waits on its locks.
 */
export const PaymentSyncRequest = model
  .define("payment_sync_request", {
    id: model.id({ prefix: "psync" }).primaryKey(),
    instrument_id: model.text(),
    requested_at: model.dateTime(),
    /** Counts the hints this request stands for: a sync removes it only if none came in meanwhile. */
    generation: model.number().default(1),
    /** what asked for it last: `callback`, `ping`, `reconcile`... */
    source: model.text(),
  })
  .indexes([
    { on: ["instrument_id"], unique: true },
    { on: ["requested_at"] },
  ])
