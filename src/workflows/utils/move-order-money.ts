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
import { paidBySeveralTenders, runAcrossTenders } from "./tender-parts"

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
 * Plans the lines from the ledger as it stands and runs the operation: one, or one per tender for
 * a payment paid by several (tender-parts.ts). A plan made from a ledger another operation
 * changed in the meantime (two fulfillments at once both adding shipping) is refused by the ledger
 * before anything reaches the PSP, and made again. A key already known keeps its own lines,
 * whatever the plan says now.
 */
async function planAndRun(
  container: MedusaContainer,
  instrument: PaymentInstrumentRecord,
  input: { kind: "capture" | "refund"; key: string; origin: string },
  plan: (ledger: InstrumentLedger) => LineQuantity[]
): Promise<PaymentOperationRecord[]> {
  const ledger = ledgerOf(container)
  for (let attempt = 1; ; attempt++) {
    const { ledger: book, operations } = await ledger.getInstrumentLedger(instrument.id)
    const context = await operationContext(container, instrument)
    const moneyBy = context.connector.capabilities.moneyBy
    try {
      if (paidBySeveralTenders(instrument)) {
        return await runAcrossTenders(context, operations, book, input, {
          lines: plan,
          value: (current, lines) => linesValue(current, input.kind, lines),
          amountOf: (others, lines) => amountAfterCredit(others, input.kind, moneyBy, lines),
        })
      }
      const existing = book.operations.find((operation) => operation.key === input.key)
      const lines = existing ? existing.lines.map(({ id, quantity }) => ({ id, quantity })) : plan(book)
      if (!lines.length) {
        return []
      }
      const amount = existing ? undefined : amountAfterCredit(book, input.kind, moneyBy, lines)
      if (amount === 0n) {
        // money the PSP captured without lines already covers these lines: nothing to send
        return []
      }
      return [await runMoneyOperation(context, { ...input, lines, ...(amount !== undefined ? { amount } : {}) })]
    } catch (error) {
      if (error instanceof LineQuantityExceededError && attempt < 3) {
        continue
      }
      // the ledger's refusals (over-capture, line already captured…) are the caller's to fix
      throw error instanceof LedgerError ? new MedusaError(MedusaError.Types.NOT_ALLOWED, error.message) : error
    }
  }
}

/** What `lines` are worth for a capture or refund, given the units the ledger already took. */
function linesValue(book: InstrumentLedger, kind: "capture" | "refund", lines: LineQuantity[]): MinorUnits {
  const available = new Map(lineAvailabilities(book, kind).map((entry) => [entry.line.id, entry]))
  return lines.reduce((total, line) => {
    const entry = available.get(line.id)
    return entry ? total + lineAmount(entry.line, entry.taken, line.quantity) : total
  }, 0n)
}

/**
 * For a PSP that moves money by amount: what a line capture still has to send once the money
 * captured without lines is counted. Such captures (a gift card or iDEAL payment the PSP captured
 * at authorization, adopted by settle.ts; a capture of an amount) cover lines that are not marked
 * captured in the ledger; each later line capture takes its lines' value less what of that credit
 * no earlier line capture used, so that the order is never captured twice. The credit left is
 * what was captured less what the captured lines are worth, so the parts of a capture split
 * across tenders (its lines on the first part) count as that one capture. Undefined: the lines'
 * own value (no credit, a refund, or a PSP that captures by lines).
 */
export function amountAfterCredit(book: InstrumentLedger, kind: "capture" | "refund", moneyBy: "lines" | "amount", lines: LineQuantity[]): MinorUnits | undefined {
  if (kind !== "capture" || moneyBy !== "amount") {
    return undefined
  }
  const captures = book.operations.filter((operation) => operation.effect === "capture" && (operation.status === "succeeded" || operation.status === "pending"))
  const credit = captures.reduce(
    (total, operation) => total + operation.amount - operation.lines.reduce((value, line) => value + line.amount, 0n),
    0n
  )
  if (credit <= 0n) {
    return undefined
  }
  const value = linesValue(book, kind, lines)
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
    const madeBefore = (await ledgerOf(container).getInstrumentLedger(instrument.id)).operations
    const replayed = madeBefore.some((operation) => operation.origin === origin && operation.kind === request.kind)
    const entry = (operation: PaymentOperationRecord) => ({
      instrument_id: instrument.id,
      key: operation.idempotency_key,
      status: operation.status,
      amount: fromMinorUnits(BigInt(operation.amount), instrument.currency_code),
      replayed,
    })
    try {
      const operations = await planAndRun(container, instrument, { kind: request.kind, key, origin }, (book) =>
        plan({ instrument, checkoutLines, ledger: book })
      )
      for (const operation of operations) {
        await recordInMedusa(container, paymentId, operation, instrument.currency_code)
        result.status = result.status === "pending" ? "pending" : "done"
        result.operations.push(entry(operation))
      }
    } catch (error) {
      if (!(error instanceof OperationPendingError)) {
        throw error
      }
      logger.warn(error.message)
      result.status = "pending"
      result.operations.push(entry(error.operation))
    }
  }
  return result
}
