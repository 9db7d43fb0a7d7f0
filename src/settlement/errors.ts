/**
 * How an operation that did not simply succeed reaches its caller. Each says what happens next,
 * so that a route can answer honestly (202, 409, 400) and a workflow knows whether to wait.
 */
import { MedusaError } from "@medusajs/framework/utils"
import type { PaymentOperationRecord } from "../modules/payment-ledger"

/**
 * The operation is open: its outcome is unknown (timeout, 5xx, rate limited) or the PSP accepted
 * it and confirms later. Nothing is recorded in Medusa until it settles; the reconcile job and the
 * PSP's callbacks settle it under the same key.
 */
export const OPERATION_PENDING_CODE = "psp_operation_pending"

export class OperationPendingError extends MedusaError {
  constructor(readonly operation: PaymentOperationRecord, cause: string) {
    super(
      MedusaError.Types.UNEXPECTED_STATE,
      operation.status === "accepted"
        ? `The PSP accepted ${operation.kind} ${operation.idempotency_key} and confirms it later; it is recorded once confirmed.`
        : `The PSP's answer to ${operation.kind} ${operation.idempotency_key} is unknown (${cause}); it is settled from the PSP's own ` +
            "record by the reconcile job, under the same key. Do not retry it by hand.",
      OPERATION_PENDING_CODE
    )
  }
}

/** The PSP refused the operation (or accepted it and failed it later): nothing moved. */
export class OperationRefusedError extends MedusaError {
  constructor(readonly operation: PaymentOperationRecord) {
    super(
      MedusaError.Types.NOT_ALLOWED,
      `The PSP ${operation.status === "lapsed" ? "failed" : "refused"} ${operation.kind} ${operation.idempotency_key}: ` +
        `${operation.error?.message ?? "no reason given"}`
    )
  }
}

/** Another request is calling the PSP for this key right now: ask again when it has finished. */
export class OperationInFlightError extends MedusaError {
  constructor(readonly operation: PaymentOperationRecord) {
    super(
      MedusaError.Types.CONFLICT,
      `${operation.kind} ${operation.idempotency_key} is in progress at the PSP (started by another request); ` +
        "send the same request again in a few seconds to get its result."
    )
  }
}
