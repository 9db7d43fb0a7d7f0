import { model } from "@medusajs/framework/utils"
import { PaymentCallback } from "./payment-callback"
import { PaymentOperation } from "./payment-operation"

/**
 * One financial instrument per Medusa payment session: the persisted form of the pure ledger
 * (src/lifecycle/ledger.ts). Amounts are integer minor units written as base-10 strings in text
 * columns (see the module README in index.ts for why); the service rewrites them only from the
 * ledger, so they always equal what the ledger computes from the settled operations.
 */
export const PaymentInstrument = model
  .define("payment_instrument", {
    id: model.id({ prefix: "pinst" }).primaryKey(),
    /** Medusa payment provider id, e.g. `pp_resurs_resurs`. */
    provider_id: model.text(),
    /** The PSP's id for the order/payment (Resurs payment id, CM.com order key…), once known. */
    psp_reference: model.text().nullable(),
    payment_session_id: model.text(),
    /** Our own reference for the PSP payment, where the PSP's callbacks name it (CM.com `order_reference`). */
    merchant_reference: model.text().nullable(),
    payment_id: model.text().nullable(),
    currency_code: model.text(),
    /** How the instrument was opened: needs authorization, already authorized, or pre-captured. */
    origin: model.enum(["token", "authorized", "captured"]),
    state: model.enum(["token", "authorized", "partially_captured", "captured", "partially_refunded", "refunded", "canceled"]),
    amount: model.text(),
    authorized_amount: model.text(),
    captured_amount: model.text(),
    refunded_amount: model.text(),
    canceled_amount: model.text(),
    /** A settled cancel closed the instrument to capture. */
    closed: model.boolean().default(false),
    /** `[{ id, quantity, unit_amount, total_amount, captured, refunded, canceled }]`, amounts as strings. */
    lines: model.json(),
    /** Latest PSP status seen, and every status in arrival order: `[{ status, source, at }]`. */
    psp_status: model.text().nullable(),
    /** The connector's reading of the last PSP status (awaiting_shopper, held, authorized...): what the reconcile job polls. */
    psp_state: model.text().nullable(),
    /** When the payment was last read from the PSP by a sync. */
    last_synced_at: model.dateTime().nullable(),
    psp_status_history: model.json(),
    /** What the last reconciliation found wrong between Medusa and the PSP (null: nothing). The reconcile job retries until it is null. */
    reconcile_issue: model.text().nullable(),
    metadata: model.json().nullable(),
    operations: model.hasMany(() => PaymentOperation, { mappedBy: "instrument" }),
    callbacks: model.hasMany(() => PaymentCallback, { mappedBy: "instrument" }),
  })
  .indexes([
    { on: ["payment_session_id"], unique: true, where: "deleted_at IS NULL" },
    { on: ["provider_id", "psp_reference"], where: "deleted_at IS NULL AND psp_reference IS NOT NULL" },
    { on: ["payment_id"], where: "deleted_at IS NULL AND payment_id IS NOT NULL" },
    { on: ["provider_id", "merchant_reference"], where: "deleted_at IS NULL AND merchant_reference IS NOT NULL" },
  ])
