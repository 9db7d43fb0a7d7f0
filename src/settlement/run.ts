/**
 * The one path from a money operation to the PSP, for the providers (Medusa core's captures,
 * refunds and cancels) and the lifecycle workflows (fulfillment captures, return refunds,
 * reconciliation) alike:
 *
 *   write-ahead row under the idempotency key, leased to this call (the ledger checks the limits)
 *   → one PSP call → succeeded | accepted | unknown | failed (settle.ts)
 *
 * A key seen before is not sent again here: its operation is settled (settle.ts), which re-sends
 * only after the PSP's record proves it absent, and only under a lease.
 */
import { MedusaError } from "@medusajs/framework/utils"
import type { LineQuantity } from "../lifecycle/ledger"
import type { MinorUnits } from "../lifecycle/money"
import type { PaymentOperationRecord } from "../modules/payment-ledger"
import { logged, newLease, type OperationContext } from "./context"
import { OperationInFlightError, OperationPendingError, OperationRefusedError } from "./errors"
import { linesForRequest } from "./lines"
import { sendOperation, settleOperation } from "./settle"

export type MoneyOperationKind = "capture" | "refund" | "cancel"

export type MoneyOperationRequest = {
  kind: MoneyOperationKind
  /** idempotency key from lifecycle/keys.ts */
  key: string
  /** what asked: `fulfillment:<id>`, `return:<id>`, `admin:<id>`… */
  origin: string
  /** omitted: the lines' amount, or everything available */
  amount?: MinorUnits
  lines?: LineQuantity[]
  /** the Medusa Capture/Refund this operation is made for, when Medusa asked for it */
  medusaRecordId?: string
  tenderId?: string
}

/**
 * Runs the operation (or settles the one its key already names) and returns it once succeeded.
 * Throws OperationPendingError (unknown or accepted: settled later, nothing to record yet),
 * OperationInFlightError (another request is calling the PSP for this key) or
 * OperationRefusedError (nothing moved).
 */
export async function runMoneyOperation(context: OperationContext, request: MoneyOperationRequest): Promise<PaymentOperationRecord> {
  const { ledger, connector, instrument } = context
  if (!instrument.psp_reference) {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Instrument ${instrument.id} has no PSP payment`)
  }
  const history = await ledger.getInstrumentLedger(instrument.id)
  const known = history.operations.find((operation) => operation.idempotency_key === request.key)
  if (known) {
    return outcomeOf(logged(context, known.status, await settleOperation(context, known)))
  }
  const lines =
    request.lines ??
    (request.kind !== "cancel" && connector.capabilities.moneyBy === "lines"
      ? linesForRequest(connector.psp, instrument, history.ledger, request.kind, request.amount)
      : undefined)
  const lease = newLease(ledger)
  const { operation, created } = await ledger.beginOperation(
    instrument.id,
    {
      idempotency_key: request.key,
      kind: request.kind,
      origin: request.origin,
      ...(request.medusaRecordId ? { medusa_record_id: request.medusaRecordId } : {}),
      // an amount beside lines only when the caller gave both (lines covered in part by money the
      // PSP already captured without lines, move-order-money.ts)
      ...(request.kind !== "cancel" && request.amount !== undefined && (!lines || request.lines) ? { amount: request.amount } : {}),
      ...(lines ? { lines } : {}),
      ...(request.tenderId ? { tender_id: request.tenderId } : {}),
    },
    lease
  )
  return outcomeOf(logged(context, operation.status, created ? await sendOperation(context, operation, lease) : await settleOperation(context, operation)))
}

/** The operation if it succeeded; otherwise the error that says what happens next. */
export function outcomeOf(operation: PaymentOperationRecord): PaymentOperationRecord {
  switch (operation.status) {
    case "succeeded":
      return operation
    case "failed":
    case "lapsed":
      throw new OperationRefusedError(operation)
    case "requested":
      throw new OperationInFlightError(operation)
    case "unknown":
    case "accepted":
      throw new OperationPendingError(operation, operation.error?.message ?? operation.status)
  }
}
