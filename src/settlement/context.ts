import { randomUUID } from "node:crypto"
import { logger } from "@medusajs/framework/logger"
import { operationOutcomeLine, writeLogLine } from "../lifecycle/log-lines"
import type { Connector } from "../connectors/types"
import type { OperationLease, PaymentInstrumentRecord, PaymentLedgerModuleService, PaymentOperationRecord } from "../modules/payment-ledger"

/** What settling an instrument's operations needs: its ledger, its PSP's connector, the instrument. */
export type OperationContext = {
  ledger: PaymentLedgerModuleService
  connector: Connector
  instrument: PaymentInstrumentRecord
}

/** A fresh lease for one PSP call, as long as the lifecycle policy says. */
export function newLease(ledger: PaymentLedgerModuleService): OperationLease {
  return { owner: randomUUID(), seconds: ledger.lifecyclePolicy().operationLeaseSeconds }
}

/** One log line when the operation's status changed from `previousStatus` (lifecycle/log-lines.ts); returns it unchanged. */
export function logged(context: OperationContext, previousStatus: PaymentOperationRecord["status"], operation: PaymentOperationRecord): PaymentOperationRecord {
  writeLogLine(logger, operationOutcomeLine(context.instrument, operation, previousStatus))
  return operation
}
