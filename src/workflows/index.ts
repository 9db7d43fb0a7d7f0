// The plugin's public workflows (the package's "./workflows" export).
export {
  syncPaymentWithPspWorkflow,
  ORDER_PAYMENT_METADATA_KEY,
  type OrderPaymentMetadata,
  type SyncPaymentWithPspInput,
  type SyncPaymentWithPspResult,
} from "./sync-payment-with-psp"
