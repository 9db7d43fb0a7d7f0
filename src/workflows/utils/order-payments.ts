/**
 * What the lifecycle workflows share: an order's instruments with their Medusa payments, the
 * operation context for the PSP, and recording a PSP money movement in Medusa.
 */
import { capturePaymentWorkflow, refundPaymentWorkflow } from "@medusajs/medusa/core-flows"
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MedusaError, Modules } from "@medusajs/framework/utils"
import { unmappedItems, type ItemQuantity } from "../../lifecycle/capture-plan"
import { LedgerError, LineQuantityExceededError, type InstrumentLedger, type LineQuantity } from "../../lifecycle/ledger"
import { bindLinesToOrderItems, type CheckoutLine } from "../../lifecycle/order-lines"
import { fromMinorUnits } from "../../lifecycle/money"
import {
  PAYMENT_LEDGER_MODULE,
  RECORDING,
  type PaymentInstrumentRecord,
  type PaymentLedgerModuleService,
  type PaymentOperationRecord,
} from "../../modules/payment-ledger"
import { OperationPendingError, runMoneyOperation, settleUnknownOperations, type OperationContext } from "../../providers/base/operations"
import { resolveConnector } from "../../providers/base/registry"
import { checkoutDataSchema, deserializeLine, serializeLine } from "../../providers/base/session-data"

export type OrderPayment = {
  paymentId: string
  instrument: PaymentInstrumentRecord
}

export function ledgerOf(container: MedusaContainer): PaymentLedgerModuleService {
  return container.resolve<PaymentLedgerModuleService>(PAYMENT_LEDGER_MODULE)
}

/** The order's payments made through this plugin's providers, with their instruments. */
export async function orderPayments(container: MedusaContainer, orderId: string): Promise<OrderPayment[]> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const ledger = ledgerOf(container)
  const { data } = await query.graph({
    entity: "order",
    fields: ["id", "payment_collections.payments.id", "payment_collections.payments.payment_session_id"],
    filters: { id: orderId },
  })
  const payments = ((data[0] as { payment_collections?: { payments?: { id: string; payment_session_id: string }[] }[] } | undefined)
    ?.payment_collections ?? []).flatMap((collection) => collection.payments ?? [])
  const found: OrderPayment[] = []
  for (const payment of payments) {
    let instrument = await ledger.findInstrumentBySession(payment.payment_session_id)
    if (!instrument?.psp_reference) {
      continue
    }
    if (instrument.payment_id !== payment.id || checkoutLinesOf(instrument).some((line) => line.kind === "product" && !line.orderItemId)) {
      // the order.placed sync may not have run yet: lines must be tied to items before money moves by them
      await attachInstrumentToOrder(container, instrument.id, orderId, payment.id)
      instrument = (await ledger.getInstrumentWithHistory(instrument.id)).instrument
    }
    found.push({ paymentId: payment.id, instrument })
  }
  return found
}

export async function operationContext(container: MedusaContainer, instrument: PaymentInstrumentRecord): Promise<OperationContext> {
  return { ledger: ledgerOf(container), connector: await resolveConnector(container, instrument.provider_id), instrument }
}

export function checkoutLinesOf(instrument: PaymentInstrumentRecord): CheckoutLine[] {
  const parsed = checkoutDataSchema.shape.lines.safeParse((instrument.metadata ?? {}).checkout_lines)
  return parsed.success ? parsed.data.map(deserializeLine) : []
}

/**
 * Records a capture or refund the plugin made at the PSP in Medusa (transactions, payment status,
 * `payment.captured`/`payment.refunded` events), through Medusa's own workflows. The provider
 * adopts the operation instead of calling the PSP again. Does nothing if it is already recorded.
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
  // one recorder at a time: the workflow that moved the money, a callback and the job may all try
  if (!(await ledger.reserveForRecording(operation.id))) {
    return
  }
  const amount = fromMinorUnits(BigInt(operation.amount), currency)
  const note = `PSP ${operation.kind} ${operation.idempotency_key}`
  try {
    // Medusa calls the provider, which adopts this operation instead of calling the PSP again
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
 * Plans the lines from the ledger as it stands and runs the operation. A plan made from a ledger
 * another operation changed in the meantime (two fulfillments at once both adding shipping) is
 * refused by the ledger before anything reaches the PSP, and made again.
 */
async function planAndRun(
  container: MedusaContainer,
  instrument: PaymentInstrumentRecord,
  input: { kind: "capture" | "refund"; key: string; origin: string },
  plan: (ledger: InstrumentLedger) => LineQuantity[]
): Promise<PaymentOperationRecord | undefined> {
  const ledger = ledgerOf(container)
  for (let attempt = 1; ; attempt++) {
    const { ledger: book } = await ledger.getInstrumentWithHistory(instrument.id)
    const existing = book.operations.find((operation) => operation.key === input.key)
    const lines = existing ? existing.lines.map(({ id, quantity }) => ({ id, quantity })) : plan(book)
    if (!lines.length) {
      return undefined
    }
    try {
      return await runMoneyOperation(await operationContext(container, instrument), { ...input, lines })
    } catch (error) {
      if (error instanceof LineQuantityExceededError && attempt < 3) {
        continue
      }
      // the ledger's refusals (over-capture, line already captured…) are the caller's to fix
      throw error instanceof LedgerError ? new MedusaError(MedusaError.Types.NOT_ALLOWED, error.message) : error
    }
  }
}

export type OrderMoneyResult = {
  status: "done" | "pending" | "nothing_to_do"
  /** amounts as decimal strings of the order's currency */
  operations: { instrument_id: string; key: string; status: string; amount: string }[]
}

/**
 * Runs one capture or refund per plugin payment of the order, over the lines `plan` picks, and
 * records each in Medusa. An unknown PSP outcome is reported as `pending`, never as done.
 */
export async function moveOrderMoney(
  container: MedusaContainer,
  input: { order_id: string; kind: "capture" | "refund"; key: string; origin: string; items: ItemQuantity[] },
  plan: (payment: { instrument: PaymentInstrumentRecord; checkoutLines: CheckoutLine[]; ledger: InstrumentLedger }) => LineQuantity[]
): Promise<OrderMoneyResult> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const result: OrderMoneyResult = { status: "nothing_to_do", operations: [] }
  for (const { paymentId, instrument } of await orderPayments(container, input.order_id)) {
    const checkoutLines = checkoutLinesOf(instrument)
    const skipped = unmappedItems(checkoutLines, input.items)
    if (skipped.length) {
      logger.warn(`${input.kind} ${input.key}: items ${skipped.map((item) => item.order_item_id).join(", ")} are not lines of payment ${paymentId}; left out`)
    }
    try {
      const operation = await planAndRun(container, instrument, input, (book) => plan({ instrument, checkoutLines, ledger: book }))
      if (!operation) {
        continue
      }
      await recordInMedusa(container, paymentId, operation, instrument.currency_code)
      result.status = result.status === "pending" ? "pending" : "done"
      result.operations.push({
        instrument_id: instrument.id,
        key: operation.idempotency_key,
        status: operation.status,
        amount: fromMinorUnits(BigInt(operation.amount), instrument.currency_code),
      })
    } catch (error) {
      if (!(error instanceof OperationPendingError)) {
        throw error
      }
      logger.warn(error.message)
      result.status = "pending"
      result.operations.push({
        instrument_id: instrument.id,
        key: input.key,
        status: "pending",
        amount: fromMinorUnits(BigInt(error.operation.amount), instrument.currency_code),
      })
    }
  }
  return result
}

/**
 * Links the instrument to its order (and Medusa payment), and ties its product lines to the
 * order's items, which fulfillment captures and return refunds go by. Idempotent.
 */
export async function attachInstrumentToOrder(container: MedusaContainer, instrumentId: string, orderId: string, paymentId?: string): Promise<void> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const link = container.resolve(ContainerRegistrationKeys.LINK)
  const ledger = ledgerOf(container)
  const { instrument } = await ledger.getInstrumentWithHistory(instrumentId)
  const { data } = await query.graph({ entity: "order", fields: ["id", "payment_instruments.id", "items.*"], filters: { id: orderId } })
  const order = data[0] as
    | { payment_instruments?: { id: string }[]; items?: { id: string; variant_id?: string | null; quantity: number }[] }
    | undefined
  if (!order) {
    return
  }
  if (!order.payment_instruments?.some((candidate) => candidate.id === instrumentId)) {
    await link.create({ [Modules.ORDER]: { order_id: orderId }, [PAYMENT_LEDGER_MODULE]: { payment_instrument_id: instrumentId } })
  }
  if (paymentId && instrument.payment_id !== paymentId) {
    await ledger.setInstrumentReferences(instrumentId, { payment_id: paymentId })
  }
  const lines = checkoutLinesOf(instrument)
  if (lines.some((line) => line.kind === "product" && !line.orderItemId)) {
    const bound = bindLinesToOrderItems(lines, order.items ?? [])
    await ledger.updatePaymentInstruments({
      id: instrumentId,
      metadata: { ...(instrument.metadata ?? {}), checkout_lines: bound.map(serializeLine) },
    })
  }
}

/**
 * Settles the payment's operations whose PSP outcome is unknown (asking the PSP under the same
 * key), then records in Medusa every PSP movement not recorded yet.
 */
export async function settleAndRecord(container: MedusaContainer, payment: OrderPayment, options: { orderCanceled?: boolean } = {}): Promise<void> {
  const ledger = ledgerOf(container)
  const context = await operationContext(container, payment.instrument)
  const { operations } = await ledger.getInstrumentWithHistory(payment.instrument.id)
  await settleUnknownOperations(context, operations)
  const { operations: settled } = await ledger.getInstrumentWithHistory(payment.instrument.id)
  for (const operation of settled) {
    await recordInMedusa(container, payment.paymentId, operation, payment.instrument.currency_code, options)
  }
}
