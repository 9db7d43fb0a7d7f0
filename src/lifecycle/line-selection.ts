/**
 * Line-based PSPs (Resurs) move money by order lines, not by amount. When Medusa asks for an
 * amount (the admin's capture or refund button, order cancel), this finds the units of the lines
 * still available whose amounts add up to exactly that amount, or says it cannot.
 */
import { lineAmount, lineAvailabilities, type InstrumentLedger, type LineQuantity, type LineStage } from "./ledger"
import type { MinorUnits } from "./money"

/** How many partial choices the search may try before giving up (carts are small; this bounds the worst case). */
const SEARCH_BUDGET = 200_000

/**
 * Line quantities worth exactly `amount` among what is available for `stage`, preferring whole
 * lines in order; undefined when no combination matches.
 */
export function linesForAmount(ledger: InstrumentLedger, stage: LineStage, amount: MinorUnits): LineQuantity[] | undefined {
  const candidates = lineAvailabilities(ledger, stage).filter((entry) => entry.available > 0)
  const total = candidates.reduce((sum, entry) => sum + lineAmount(entry.line, entry.taken, entry.available), 0n)
  if (amount === total) {
    return candidates.map((entry) => ({ id: entry.line.id, quantity: entry.available }))
  }
  if (amount <= 0n || amount > total) {
    return undefined
  }
  let budget = SEARCH_BUDGET
  const chosen: LineQuantity[] = []
  const search = (index: number, remaining: MinorUnits, restTotal: MinorUnits): boolean => {
    if (remaining === 0n) return true
    if (index >= candidates.length || remaining > restTotal || budget-- <= 0) return false
    const { line, taken, available } = candidates[index]
    const lineRest = lineAmount(line, taken, available)
    // most units first: whole lines are what a shop owner expects to see captured
    for (let quantity = available; quantity >= 0; quantity--) {
      const part = lineAmount(line, taken, quantity)
      if (part > remaining) continue
      if (quantity > 0) chosen.push({ id: line.id, quantity })
      if (search(index + 1, remaining - part, restTotal - lineRest)) return true
      if (quantity > 0) chosen.pop()
    }
    return false
  }
  return search(0, amount, total) ? [...chosen] : undefined
}

/** The amount of what is available for `stage`, line by line, for error messages. */
export function describeAvailableLines(ledger: InstrumentLedger, stage: LineStage): string {
  return lineAvailabilities(ledger, stage)
    .filter((entry) => entry.available > 0)
    .map((entry) => `${entry.line.id} ×${entry.available} = ${lineAmount(entry.line, entry.taken, entry.available)}`)
    .join(", ")
}
