/**
 * Medusa records a capture or refund only once the PSP confirmed it (Medusa cannot un-capture):
 * a succeeded operation becomes a Medusa Capture/Refund, with its transactions, payment status
 * and `payment.captured`/`payment.refunded` events, through Medusa's own workflows, once.
 */
import { capturePaymentWorkflow, refundPaymentWorkflow } from "@medusajs/medusa/core-flows"
import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import type { PspPayment } from "../../connectors/types"
import { fromMinorUnits } from "../../lifecycle/money"
import { RECORDING, type PaymentOperationRecord } from "../../modules/payment-ledger"
import { settleInstrument } from "../../settlement"
import { ledgerOf, operationContext, type OrderPayment } from "./order-payments"

/**
 * Records one succeeded capture or refund in Medusa. Medusa calls the provider, which claims this
 * operation instead of calling the PSP again. Does nothing if it is recorded, or being recorded by
 * another recorder (the workflow that moved the money, a callback and the job may all try).
 */
export async function recordInMedusa(
  container: MedusaContainer,
  paymentId: string,
  operation: PaymentOperationRecord,
  currency: string,
  options: { orderCanceled?: boolean } = {}
): Promise<void> {
  if (operation.status !== "succeeded" || (operation.kind !== "capture" && operation.kind !== "refund")) {
    return
  }
  const ledger = ledgerOf(container)
  if (!(await ledger.reserveForRecording(operation.id))) {
    return
  }
  const amount = fromMinorUnits(BigInt(operation.amount), currency)
  const note = `PSP ${operation.kind} ${operation.idempotency_key}`
  try {
    if (operation.kind === "capture") {
      await capturePaymentWorkflow(container).run({ input: { payment_id: paymentId, amount } })
    } else if (options.orderCanceled) {
      // Medusa's refund workflow refuses canceled orders; the money did move, so the payment records it
      await container.resolve(Modules.PAYMENT).refundPayment({ payment_id: paymentId, amount, note })
    } else {
      await refundPaymentWorkflow(container).run({ input: { payment_id: paymentId, amount, note } })
    }
  } catch (error) {
    await ledger.releaseMedusaRecord({ operation_id: operation.id, medusa_record_id: RECORDING })
    throw error
  }
}

/**
 * Settles the payment's open operations (settlement/settle.ts), then records in Medusa every PSP
 * movement not recorded yet. `observed`: a fresh read of the PSP payment, when the caller has one.
 */
export async function settleAndRecord(
  container: MedusaContainer,
  payment: OrderPayment,
  options: { orderCanceled?: boolean; observed?: PspPayment } = {}
): Promise<void> {
  const ledger = ledgerOf(container)
  await settleInstrument(await operationContext(container, payment.instrument), options.observed)
  const { operations } = await ledger.getInstrumentWithHistory(payment.instrument.id)
  for (const operation of operations) {
    if (operation.status === "succeeded" && (!operation.medusa_record_id || operation.medusa_record_id === RECORDING)) {
      await recordInMedusa(container, payment.paymentId, operation, payment.instrument.currency_code, options)
    }
  }
}
