import { model } from "@medusajs/framework/utils"
import { PaymentInstrument } from "./payment-instrument"

/**
 * A write-ahead record of one money movement, written before the PSP call under its idempotency
 * key and completed after it: `requested` (written, PSP not yet answered), `pending` (the PSP
 * accepted it asynchronously, or the outcome is unknown after a timeout), `succeeded`, `failed`.
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
    status: model.enum(["requested", "pending", "succeeded", "failed"]).default("requested"),
    /** How many times a caller began this operation to call the PSP. */
    attempts: model.number().default(0),
    psp_operation_id: model.text().nullable(),
    psp_request_id: model.text().nullable(),
    /** `{ code, message }` of the last failure or unknown outcome; never secrets. */
    error: model.json().nullable(),
    completed_at: model.dateTime().nullable(),
    /** What asked for the operation: `fulfillment:<id>`, `return:<id>`, `admin:<capture or refund id>`, `order-cancel:<id>`. */
    origin: model.text().nullable(),
    /** The Medusa Capture or Refund that records this operation, once recorded (null: PSP only, so far). */
    medusa_record_id: model.text().nullable(),
  })
  .indexes([{ on: ["idempotency_key"], unique: true }])
