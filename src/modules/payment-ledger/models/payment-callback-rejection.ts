import { model } from "@medusajs/framework/utils"

/**
 * Callbacks the route refused (bad signature, malformed body, unknown payment or provider), counted
 * per provider, reason and hour: rejected callbacks are never stored, but the admin must see that
 * they happen. One row per (provider, reason, hour) whatever arrives, so a forged flood costs one
 * indexed upsert per request and a bounded number of rows.
 */
export const PaymentCallbackRejection = model
  .define("payment_callback_rejection", {
    id: model.id({ prefix: "pcbr" }).primaryKey(),
    /** the provider the callback was addressed to; `unknown` when no such provider is registered */
    provider_id: model.text(),
    /** the route's audit outcome: `http_401`, `http_400`, `unknown_payment`… */
    reason: model.text(),
    /** the start of the hour counted */
    hour: model.dateTime(),
    count: model.number().default(0),
    last_seen_at: model.dateTime(),
  })
  .indexes([
    { on: ["provider_id", "reason", "hour"], unique: true },
    { on: ["hour"] },
  ])
