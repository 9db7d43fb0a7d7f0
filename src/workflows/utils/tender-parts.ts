/**
 * A capture or refund of a payment paid by several tenders (CM.com: a gift card and a card) goes
 * to the PSP as one operation per tender, split by lifecycle/tender-split.ts and each keyed on its
 * own (`tenderPartKey`). The parts of one request share its origin, so that a retry, after a crash
 * between two parts or an answer lost, finds the parts already made, settles them, and sends only
 * what is left to the tenders not yet used: never the same money twice.
 */
import { MedusaError } from "@medusajs/framework/utils"
import type { InstrumentLedger, LineQuantity } from "../../lifecycle/ledger"
import { tenderPartKey } from "../../lifecycle/keys"
import type { MinorUnits } from "../../lifecycle/money"
import { splitAcrossTenders } from "../../lifecycle/tender-split"
import type { PaymentInstrumentRecord, PaymentOperationRecord } from "../../modules/payment-ledger"
import { runMoneyOperation, type OperationContext } from "../../settlement"

/** Several tenders as last read from the PSP: money moves tender by tender. */
export function paidBySeveralTenders(instrument: PaymentInstrumentRecord): boolean {
  const tenders = instrument.metadata?.psp_tenders
  return Array.isArray(tenders) && tenders.length > 1
}

export type TenderRequest = {
  kind: "capture" | "refund"
  /** the request's key; each part's key derives from it */
  key: string
  origin: string
}

/**
 * Runs the request's parts. `value` is what the lines are worth before any credit; `amountOf`
 * turns it into what the PSP must move, from the ledger without this request's own parts.
 * Throws what runMoneyOperation throws for a part that is pending, in flight or refused.
 */
export async function runAcrossTenders(
  context: OperationContext,
  records: readonly PaymentOperationRecord[],
  book: InstrumentLedger,
  request: TenderRequest,
  plan: {
    lines: (book: InstrumentLedger) => LineQuantity[]
    value: (book: InstrumentLedger, lines: LineQuantity[]) => MinorUnits
    amountOf: (others: InstrumentLedger, lines: LineQuantity[], value: MinorUnits) => MinorUnits | undefined
  }
): Promise<PaymentOperationRecord[]> {
  const own = records.filter((operation) => operation.origin === request.origin && operation.kind === request.kind)
  const ownKeys = new Set(own.map((operation) => operation.idempotency_key))
  const others: InstrumentLedger = { ...book, operations: book.operations.filter((operation) => !ownKeys.has(operation.key)) }
  const lined = own.find((operation) => operation.lines.length > 0)
  const lines = lined ? lined.lines.map(({ id, quantity }) => ({ id, quantity })) : plan.lines(book)
  if (!lines.length && !own.length) {
    return []
  }
  const value = lined ? lined.lines.reduce((total, line) => total + BigInt(line.amount ?? "0"), 0n) : plan.value(book, lines)
  const total = plan.amountOf(others, lines, value) ?? value

  // parts made by an earlier attempt keep their own amounts
  const done: PaymentOperationRecord[] = []
  for (const part of own) {
    done.push(await runMoneyOperation(context, { kind: request.kind, key: part.idempotency_key, origin: request.origin }))
  }
  const moved = done.reduce((sum, operation) => sum + BigInt(operation.amount), 0n)
  if (total <= moved) {
    return done
  }
  const { instrument, connector } = context
  // the tenders' balances now: what the ledger last stored may predate a gift card's capture
  const payment = await connector.getPayment(instrument.psp_reference!, instrument.currency_code)
  const unused = (payment.tenders ?? []).filter((tender) => !own.some((operation) => operation.tender_id === tender.id))
  const split = splitAcrossTenders(request.kind, unused, total - moved)
  if ("refused" in split) {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `${request.kind} ${request.origin}: not sent, ${split.refused}`)
  }
  for (const part of split.parts) {
    const carriesLines = !lined && done.length === 0
    done.push(
      await runMoneyOperation(context, {
        kind: request.kind,
        key: tenderPartKey(request.key, part.tenderId),
        origin: request.origin,
        amount: part.amount,
        tenderId: part.tenderId,
        ...(carriesLines ? { lines } : {}),
      })
    )
  }
  return done
}
