import { randomUUID } from "node:crypto"
import type { Connector } from "../connectors/types"
import type { OperationLease, PaymentInstrumentRecord, PaymentLedgerModuleService } from "../modules/payment-ledger"

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
