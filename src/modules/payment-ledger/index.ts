/**
 * The payment-ledger module: financial instruments, their write-ahead operations and the PSP
 * callback inbox, persisted in PostgreSQL (see service.ts for the methods).
 *
 * Amounts are integer minor units stored as base-10 strings in text columns. `model.bigNumber()`
 * would add a numeric column fed through a JS number (precision lost past 2^53) plus a raw JSON
 * copy in major units; `model.number()` is a 32-bit integer. Text holds any size exactly, never
 * touches floating point, and maps 1:1 to the ledger's bigint (`BigInt(row.captured_amount)`).
 */
import { Module } from "@medusajs/framework/utils"
import PaymentLedgerModuleService from "./service"

export const PAYMENT_LEDGER_MODULE = "paymentLedger"

export default Module(PAYMENT_LEDGER_MODULE, {
  service: PaymentLedgerModuleService,
})

export { PaymentLedgerModuleService }
export { RECORDING, RECORDING_STALE_AFTER_SECONDS, UNKNOWN_CALLBACK_PROVIDER } from "./service"
export type {
  AttentionInstrument,
  AttentionOperation,
  HoldReason,
  PaymentAttention,
  RejectedCallbacks,
  BeginOperationInput,
  InstrumentWithHistory,
  OpenInstrumentInput,
  OperationLease,
  OperationPspIds,
  RecordCallbackInput,
} from "./service"
export { isOpenOperation, OPEN_OPERATION_STATUSES } from "./records"
export type {
  OperationError,
  OperationStatus,
  PaymentCallbackRecord,
  PaymentInstrumentRecord,
  PaymentOperationRecord,
  PspStatusEntry,
  StoredLine,
} from "./records"
