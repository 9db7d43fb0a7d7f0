/**
 * One capture or refund per plugin payment of an order, over the lines a plan picks, each keyed
 * by what asked (lifecycle/keys.ts) and the instrument, and recorded in Medusa once the PSP
 * confirmed it. An open outcome (unknown, accepted) is reported as `pending`, never as done.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { unmappedItems, type ItemQuantity } from "../../lifecycle/capture-plan"
import { operationKey, operationOrigin, type OperationKeySource } from "../../lifecycle/keys"
import { LedgerError, LineQuantityExceededError, lineAmount, lineAvailabilities, type InstrumentLedger, type LineQuantity } from "../../lifecycle/ledger"
import { fromMinorUnits, type MinorUnits } from "../../lifecycle/money"
import type { CheckoutLine } from "../../lifecycle/order-lines"
import type { PaymentInstrumentRecord, PaymentOperationRecord } from "../../modules/payment-ledger"
import { checkoutLinesOf, OperationPendingError, runMoneyOperation } from "../../settlement"
import { ledgerOf, operationContext, orderPayments } from "./order-payments"
import { recordInMedusa } from "./record-in-medusa"

export type OrderMoneyRequest = {
  order_id: string
  kind: "capture" | "refund"
  /** what asked, and its Medusa id: the key is derived from them per instrument */
  source: OperationKeySource
  id: string
  items: ItemQuantity[]
}

export type OrderMoneyResult = {
  status: "done" | "pending" | "nothing_to_do"
  /** amounts as decimal strings of the order's currency */
  /** `replayed`: the key named an operation made by an earlier request, whose result this is */
  operations: { instrument_id: string; key: string; status: string; amount: string; replayed: boolean }[]
}

type Plan = (payment: { instrument: PaymentInstrumentRecord; checkoutLines: CheckoutLine[]; ledger: InstrumentLedger }) => LineQuantity[]

/**
 * Plans the lines from the ledger as it stands and runs the operation. A plan made from a ledger
 * another operation changed in the meantime (two fulfillments at once both adding shipping) is
 * refused by the ledger before anything reaches the PSP, and made again. A key already known
 * keeps its own lines, whatever the plan says now.
 */
async function planAndRun(
  container: MedusaContainer,
  instrument: PaymentInstrumentRecord,
  input: { kind: "capture" | "refund"; key: string; origin: string },
  plan: (ledger: InstrumentLedger) => LineQuantity[]
): Promise<PaymentOperationRecord | undefined> {
  const ledger = ledgerOf(container)
  for (let attempt = 1; ; attempt++) {
    const { ledger: book } = await ledger.getInstrumentLedger(instrument.id)
    const existing = book.operations.find((operation) => operation.key === input.key)
    const lines = existing ? existing.lines.map(({ id, quantity }) => ({ id, quantity })) : plan(book)
    if (!lines.length) {
      return undefined
    }
    const context = await operationContext(container, instrument)
    const amount = existing ? undefined : amountAfterCredit(book, input.kind, context.connector.capabilities.moneyBy, lines)
    if (amount === 0n) {
      // money the PSP captured without lines already covers these lines: nothing to send
      return undefined
    }
    try {
      return await runMoneyOperation(context, { ...input, lines, ...(amount !== undefined ? { amount } : {}) })
    } catch (error) {
      if (error instanceof LineQuantityExceededError && attempt < 3) {
        continue
      }
      // the ledger's refusals (over-capture, line already captured…) are the caller's to fix
      throw error instanceof LedgerError ? new MedusaError(MedusaError.Types.NOT_ALLOWED, error.message) : error
    }
  }
}

/**
 * For a PSP that moves money by amount: what a line capture still has to send once the money
 * captured without lines is counted. Such captures (a gift card or iDEAL payment the PSP captured
 * at authorization, adopted by settle.ts; a capture of an amount) cover lines that are not marked
 * captured in the ledger; each later line capture takes its lines' value less what of that credit
 * no earlier line capture used, so that the order is never captured twice. Undefined: the lines'
 * own value (no credit, a refund, or a PSP that captures by lines).
 */
export function amountAfterCredit(book: InstrumentLedger, kind: "capture" | "refund", moneyBy: "lines" | "amount", lines: LineQuantity[]): MinorUnits | undefined {
  if (kind !== "capture" || moneyBy !== "amount") {
    return undefined
  }
  const captures = book.operations.filter((operation) => operation.effect === "capture" && (operation.status === "succeeded" || operation.status === "pending"))
  const linesValue = (operation: (typeof captures)[number]) => operation.lines.reduce((total, line) => total + line.amount, 0n)
  const unallocated = captures.filter((operation) => operation.lines.length === 0).reduce((total, operation) => total + operation.amount, 0n)
  const used = captures.filter((operation) => operation.lines.length > 0).reduce((total, operation) => total + (linesValue(operation) - operation.amount), 0n)
  const credit = unallocated - used
  if (credit <= 0n) {
    return undefined
  }
  const available = new Map(lineAvailabilities(book, "capture").map((entry) => [entry.line.id, entry]))
  const value = lines.reduce((total, line) => {
    const entry = available.get(line.id)
    return entry ? total + lineAmount(entry.line, entry.taken, line.quantity) : total
  }, 0n)
  return value > credit ? value - credit : 0n
}

export async function moveOrderMoney(container: MedusaContainer, request: OrderMoneyRequest, plan: Plan): Promise<OrderMoneyResult> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const result: OrderMoneyResult = { status: "nothing_to_do", operations: [] }
  const origin = operationOrigin(request.source, request.id)
  for (const { paymentId, instrument } of await orderPayments(container, request.order_id)) {
    const checkoutLines = checkoutLinesOf(instrument)
    const skipped = unmappedItems(checkoutLines, request.items)
    if (skipped.length) {
      logger.warn(`${request.kind} ${origin}: items ${skipped.map((item) => item.order_item_id).join(", ")} are not lines of payment ${paymentId}; left out`)
    }
    const key = operationKey({ kind: request.kind, source: request.source, id: request.id, instrumentId: instrument.id })
    const replayed = (await ledgerOf(container).getInstrumentLedger(instrument.id)).operations.some((operation) => operation.idempotency_key === key)
    try {
      const operation = await planAndRun(container, instrument, { kind: request.kind, key, origin }, (book) =>
        plan({ instrument, checkoutLines, ledger: book })
      )
      if (!operation) {
        continue
      }
      await recordInMedusa(container, paymentId, operation, instrument.currency_code)
      result.status = result.status === "pending" ? "pending" : "done"
      result.operations.push({
        instrument_id: instrument.id,
        key,
        status: operation.status,
        amount: fromMinorUnits(BigInt(operation.amount), instrument.currency_code),
        replayed,
      })
    } catch (error) {
      if (!(error instanceof OperationPendingError)) {
        throw error
      }
      logger.warn(error.message)
      result.status = "pending"
      result.operations.push({
        instrument_id: instrument.id,
        key,
        status: error.operation.status,
        amount: fromMinorUnits(BigInt(error.operation.amount), instrument.currency_code),
        replayed,
      })
    }
  }
  return result
}
