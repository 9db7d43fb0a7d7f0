/**
 * Settlement: how a money operation reaches the PSP and how it ends. Below the providers,
 * workflows, routes and jobs (which all call it); above the ledger module and the connectors.
 */
export { newLease, type OperationContext } from "./context"
export { OPERATION_PENDING_CODE, OperationInFlightError, OperationPendingError, OperationRefusedError } from "./errors"
export { checkoutLinesOf } from "./checkout-lines"
export { outcomeOf, runMoneyOperation, type MoneyOperationKind, type MoneyOperationRequest } from "./run"
export { settleInstrument, settleOperation } from "./settle"
