import { model } from "@medusajs/framework/utils"
import { PaymentInstrument } from "./payment-instrument"

/**
 * The callback inbox: every PSP callback that passed verification (or is kept as a hint to fetch
 * the PSP state), stored once per dedup key before it is answered, then processed.
 */
export const PaymentCallback = model
  .define("payment_callback", {
    id: model.id({ prefix: "pcb" }).primaryKey(),
    provider_id: model.text(),
    /** The PSP's event identity (event id, or reference + status + timestamp). */
    dedup_key: model.text(),
    psp_reference: model.text().nullable(),
    /** True when a signature or shared secret proved the sender; false for hints that need a fetch. */
    verified: model.boolean(),
    received_at: model.dateTime(),
    processed_at: model.dateTime().nullable(),
    /** What processing did, e.g. `applied`, `ignored: stale`, `failed: <reason>`. */
    outcome: model.text().nullable(),
    /** The body with secrets and personal data removed. */
    payload: model.json(),
    instrument: model.belongsTo(() => PaymentInstrument, { mappedBy: "callbacks" }).nullable(),
  })
  .indexes([
    { on: ["provider_id", "dedup_key"], unique: true, where: "deleted_at IS NULL" },
    { on: ["instrument_id", "processed_at"], where: "deleted_at IS NULL AND processed_at IS NULL" },
    { on: ["processed_at"], where: "processed_at IS NULL" },
  ])
