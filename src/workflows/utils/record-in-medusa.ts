/**
 * Medusa records a capture or refund only once the PSP confirmed it (Medusa cannot un-capture):
 * a succeeded operation becomes a Medusa Capture/Refund, with its transactions, payment status
 * and `payment.captured`/`payment.refunded` events, through Medusa's own workflows, once.
 */
import { capturePaymentWorkflow, refundPaymentWorkflow } from "@medusajs/medusa/core-flows"
import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import type { PspPayment } from "../../connectors/types"
import { fromMinorUnits, toMinorUnits } from "../../lifecycle/money"
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
    const recorded = await unclaimedMedusaRecord(container, paymentId, operation, currency)
    if (recorded) {
      // Medusa recorded this movement itself (a payment captured at authorization): take that record
      await ledger.claimOperationForMedusaRecord({
        instrument_id: operation.instrument_id,
        kind: operation.kind,
        amount: BigInt(operation.amount),
        medusa_record_id: recorded,
        operation_key: operation.idempotency_key,
      })
      return
    }
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
 * A Capture/Refund of the payment, of the operation's amount, that no operation stands for: Medusa
 * records a payment the PSP captured at authorization on its own, without asking the provider.
 */
async function unclaimedMedusaRecord(
  container: MedusaContainer,
  paymentId: string,
  operation: PaymentOperationRecord,
  currency: string
): Promise<string | undefined> {
  const paymentModule = container.resolve(Modules.PAYMENT)
  const select = { select: ["id", "amount", "raw_amount"] }
  const rows = operation.kind === "capture" ? await paymentModule.listCaptures({ payment_id: paymentId }, select) : await paymentModule.listRefunds({ payment_id: paymentId }, select)
  if (!rows.length) {
    return undefined
  }
  const claimed = new Set(
    (await ledgerOf(container).listPaymentOperations({ medusa_record_id: rows.map((row) => row.id) }, { select: ["medusa_record_id"] })).map(
      (row) => row.medusa_record_id
    )
  )
  return rows.find(
    (row) => !claimed.has(row.id) && toMinorUnits(((row as { raw_amount?: unknown }).raw_amount ?? row.amount) as never, currency) === BigInt(operation.amount)
  )?.id
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
  const { operations } = await ledger.getInstrumentLedger(payment.instrument.id)
  for (const operation of operations) {
    if (operation.status === "succeeded" && (!operation.medusa_record_id || operation.medusa_record_id === RECORDING)) {
      await recordInMedusa(container, payment.paymentId, operation, payment.instrument.currency_code, options)
    }
  }
}
