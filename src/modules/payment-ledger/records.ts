/**
 * Row ⇄ ledger mapping for the payment-ledger module: the pure ledger (src/lifecycle/ledger.ts)
 * is rebuilt from an instrument row and its operation rows, and written back the same way.
 * Amounts travel as base-10 strings of integer minor units.
 */
import {
  instrumentStatus,
  transactionFor,
  type InstrumentLedger,
  type InstrumentOrigin,
  type InstrumentStatus,
  type LedgerLine,
  type LedgerOperation,
  type OperationLine,
  type OperationEffect,
  type OperationKind,
} from "../../lifecycle/ledger"
import type { MinorUnits } from "../../lifecycle/money"

/** See models/payment-operation.ts; `requested`, `unknown` and `accepted` are in flight (held). */
export type OperationStatus = "requested" | "unknown" | "accepted" | "succeeded" | "failed" | "lapsed"

export const OPEN_OPERATION_STATUSES: readonly OperationStatus[] = ["requested", "unknown", "accepted"]

export function isOpenOperation(operation: { status: OperationStatus }): boolean {
  return OPEN_OPERATION_STATUSES.includes(operation.status)
}

export interface StoredLine {
  id: string
  quantity: number
  unit_amount: string
  total_amount: string
  captured: number
  refunded: number
  canceled: number
}

export interface PspStatusEntry {
  status: string
  /** Where the status came from: `callback`, `fetch`, `response`… */
  source: string
  at: string
}

export interface PaymentInstrumentRecord {
  id: string
  provider_id: string
  psp_reference: string | null
  payment_session_id: string
  merchant_reference: string | null
  payment_id: string | null
  currency_code: string
  origin: InstrumentOrigin
  state: InstrumentStatus
  amount: string
  authorized_amount: string
  captured_amount: string
  refunded_amount: string
  canceled_amount: string
  closed: boolean
  lines: StoredLine[]
  psp_status: string | null
  psp_state: string | null
  last_synced_at: Date | null
  psp_status_history: PspStatusEntry[]
  reconcile_issue: string | null
  metadata: Record<string, unknown> | null
  created_at: Date
  updated_at: Date
}

export interface StoredOperationLine {
  id: string
  quantity: number
  amount?: string
}

export function operationLinesToStored(lines: readonly OperationLine[]): StoredOperationLine[] {
  return lines.map((line) => ({ id: line.id, quantity: line.quantity, amount: line.amount.toString() }))
}

export interface OperationError {
  code: string
  message: string
}

export interface PaymentOperationRecord {
  id: string
  instrument_id: string
  kind: OperationKind
  effect: OperationEffect
  idempotency_key: string
  amount: string
  /** `[{ id, quantity, amount }]`, amount as a minor-units string */
  lines: StoredOperationLine[]
  status: OperationStatus
  attempts: number
  lease_owner: string | null
  lease_expires_at: Date | null
  psp_operation_ids: string[] | null
  psp_request_id: string | null
  tender_id: string | null
  error: OperationError | null
  completed_at: Date | null
  origin: string | null
  medusa_record_id: string | null
  medusa_verified_at: Date | null
  created_at: Date
  updated_at: Date
}

export interface PaymentCallbackRecord {
  id: string
  provider_id: string
  dedup_key: string
  psp_reference: string | null
  verified: boolean
  received_at: Date
  processed_at: Date | null
  outcome: string | null
  payload: Record<string, unknown>
  instrument_id: string | null
  created_at: Date
  updated_at: Date
}

export function linesToStored(lines: readonly LedgerLine[]): StoredLine[] {
  return lines.map((line) => ({
    id: line.id,
    quantity: line.quantity,
    unit_amount: line.unitAmount.toString(),
    total_amount: line.totalAmount.toString(),
    captured: line.captured,
    refunded: line.refunded,
    canceled: line.canceled,
  }))
}

function linesFromStored(lines: readonly StoredLine[]): LedgerLine[] {
  return lines.map((line) => ({
    id: line.id,
    quantity: line.quantity,
    unitAmount: BigInt(line.unit_amount),
    totalAmount: BigInt(line.total_amount),
    captured: line.captured,
    refunded: line.refunded,
    canceled: line.canceled,
  }))
}

function ledgerStatus(status: OperationStatus): LedgerOperation["status"] {
  return isOpenOperation({ status }) ? "pending" : (status as LedgerOperation["status"])
}

export function operationFromRecord(record: PaymentOperationRecord): LedgerOperation {
  const amount: MinorUnits = BigInt(record.amount)
  return {
    key: record.idempotency_key,
    kind: record.kind,
    effect: record.effect,
    status: ledgerStatus(record.status),
    amount,
    lines: record.lines.map((line) => ({ id: line.id, quantity: line.quantity, amount: BigInt(line.amount ?? "0") })),
    transaction: transactionFor(record.effect, amount),
  }
}

/** The pure ledger an instrument row and its operations (oldest first) stand for. */
export function ledgerFromRecords(instrument: PaymentInstrumentRecord, operations: readonly PaymentOperationRecord[]): InstrumentLedger {
  return {
    currency: instrument.currency_code,
    origin: instrument.origin,
    amount: BigInt(instrument.amount),
    authorized: BigInt(instrument.authorized_amount),
    captured: BigInt(instrument.captured_amount),
    refunded: BigInt(instrument.refunded_amount),
    canceled: BigInt(instrument.canceled_amount),
    closed: instrument.closed,
    lines: linesFromStored(instrument.lines),
    operations: operations.map(operationFromRecord),
  }
}

/** The instrument columns that mirror the ledger. */
export function instrumentColumns(ledger: InstrumentLedger) {
  return {
    state: instrumentStatus(ledger),
    amount: ledger.amount.toString(),
    authorized_amount: ledger.authorized.toString(),
    captured_amount: ledger.captured.toString(),
    refunded_amount: ledger.refunded.toString(),
    canceled_amount: ledger.canceled.toString(),
    closed: ledger.closed,
    lines: linesToStored(ledger.lines),
  }
}
