import { model } from "@medusajs/framework/utils"
import { PaymentInstrument } from "./payment-instrument"

/**
 * A write-ahead record of one money movement, written before the PSP call under its idempotency
 * key and settled after it (src/settlement/settle.ts):
 *
 * - `requested`: a call in flight, owned by one worker under a lease (`lease_owner`,
 *   `lease_expires_at`); nobody else calls the PSP for this key until the lease expires;
 * - `unknown`: timeout, 5xx or rate-limited: the PSP may or may not have applied it; settled by
 *   reading the PSP's record, re-sent under the same key only when the PSP proves it absent;
 * - `accepted`: the PSP acknowledged it and confirms later (asynchronous PSPs);
 * - `succeeded`: the PSP confirmed; only now may Medusa record it;
 * - `failed`: nothing moved;
 * - `lapsed`: accepted, then failed after the fact: capturable drops, the order is flagged.
 *
 * `requested`, `unknown` and `accepted` hold their amount against the ledger's limits.
 */
export const PaymentOperation = model
  .define("payment_operation", {
    id: model.id({ prefix: "pop" }).primaryKey(),
    instrument: model.belongsTo(() => PaymentInstrument, { mappedBy: "operations" }),
    kind: model.enum(["authorize", "capture", "refund", "cancel"]),
    /** What the money does: a cancel is a `void`, or a `refund` on a pre-captured instrument. */
    effect: model.enum(["authorize", "capture", "refund", "void"]),
    idempotency_key: model.text(),
    amount: model.text(),
    /** `[{ id, quantity }]` */
    lines: model.json(),
    status: model.enum(["requested", "unknown", "accepted", "succeeded", "failed", "lapsed"]).default("requested"),
    /** Who is calling the PSP for this operation right now, and until when (a crash lets it expire). */
    lease_owner: model.text().nullable(),
    lease_expires_at: model.dateTime().nullable(),
    /** How many times a caller began this operation to call the PSP. */
    attempts: model.number().default(0),
    /** The PSP's ids for this operation (Resurs actionId, Digital River fulfillment id...), to find it again. */
    psp_operation_ids: model.json().nullable(),
    /** The tender (CM.com payment) this operation moves money on, where the PSP payment has several. */
    tender_id: model.text().nullable(),
    psp_request_id: model.text().nullable(),
    /** `{ code, message }` of the last failure or unknown outcome; never secrets. */
    error: model.json().nullable(),
    completed_at: model.dateTime().nullable(),
    /** What asked for the operation: `fulfillment:<id>`, `return:<id>`, `admin:<capture or refund id>`, `order-cancel:<id>`. */
    origin: model.text().nullable(),
    /** The Medusa Capture or Refund that records this operation, once recorded (null: PSP only, so far). */
    medusa_record_id: model.text().nullable(),
    /**
     * When the reconcile job found the Medusa record complete (the Capture/Refund row, the payment
     * collection's totals, the order transaction): a crash inside Medusa's workflow can leave it half done.
     */
    medusa_verified_at: model.dateTime().nullable(),
  })
  .indexes([{ on: ["idempotency_key"], unique: true }])
