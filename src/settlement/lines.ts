/**
 * From what asked (lines or an amount) to what the PSP is sent. PSPs that move money by lines get
 * the lines worth exactly the amount; each operation line goes out with this operation's quantity
 * and amount.
 */
import { MedusaError } from "@medusajs/framework/utils"
import type { PspOrderLine } from "../connectors/types"
import type { InstrumentLedger, LineQuantity } from "../lifecycle/ledger"
import { describeAvailableLines, linesForAmount } from "../lifecycle/line-selection"
import { fromMinorUnits, type MinorUnits } from "../lifecycle/money"
import type { PaymentInstrumentRecord, PaymentOperationRecord } from "../modules/payment-ledger"
import { checkoutLinesOf } from "./checkout-lines"

/** The PSP lines of an operation: each order line with this operation's quantity and amount. */
export function pspLinesOf(instrument: PaymentInstrumentRecord, operation: PaymentOperationRecord): PspOrderLine[] | undefined {
  if (!operation.lines.length) {
    return undefined
  }
  const byReference = new Map(checkoutLinesOf(instrument).map((line) => [line.reference, line]))
  return operation.lines.map((part) => {
    const line = byReference.get(part.id)
    if (!line) {
      throw new MedusaError(MedusaError.Types.UNEXPECTED_STATE, `Instrument ${instrument.id} has no order line ${part.id}`)
    }
    return { ...line, quantity: part.quantity, totalAmount: BigInt(part.amount ?? "0") }
  })
}

/**
 * For PSPs that move money by lines, an amount becomes the lines worth exactly that amount
 * (everything remaining when it is the whole amount). Undefined: the amount is sent as it is.
 */
export function linesForRequest(
  psp: string,
  instrument: PaymentInstrumentRecord,
  ledger: InstrumentLedger,
  stage: "capture" | "refund",
  amount: MinorUnits | undefined
): LineQuantity[] | undefined {
  if (!ledger.lines.length) {
    return undefined
  }
  const balance = stage === "capture" ? ledger.authorized - ledger.captured - ledger.canceled : ledger.captured - ledger.refunded
  const wanted = amount ?? balance
  const lines = linesForAmount(ledger, stage, wanted)
  if (!lines) {
    const currency = instrument.currency_code
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `${psp} ${stage}s whole order lines: ${fromMinorUnits(wanted, currency)} ${currency.toUpperCase()} ` +
        `matches no combination of the lines still available (${describeAvailableLines(ledger, stage) || "none"}). ` +
        `${stage === "capture" ? "Capture" : "Refund"} by lines from the order's payment panel instead.`
    )
  }
  return lines
}
