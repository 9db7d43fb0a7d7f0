/**
 * Line-based PSPs (Resurs) move money by order lines, not by amount. When Medusa asks for an
 * amount (the admin's capture or refund button, order cancel), this finds the units of the lines
 * still available whose amounts add up to exactly that amount, or says it cannot.
 */
import { isCreditLine, lineAmount, lineAvailabilities, type InstrumentLedger, type LineQuantity, type LineStage } from "./ledger"
import type { MinorUnits } from "./money"

/** How many partial choices the search may try before giving up (carts are small; this bounds the worst case). */
const SEARCH_BUDGET = 200_000

/**
 * Line quantities worth exactly `amount` among what is available for `stage`, preferring whole
 * lines in order and, where a credit line (gift card, store credit) is still open, trying first
 * without it; undefined when no combination matches.
 */
export function linesForAmount(ledger: InstrumentLedger, stage: LineStage, amount: MinorUnits): LineQuantity[] | undefined {
  const available = lineAvailabilities(ledger, stage).filter((entry) => entry.available > 0)
  const total = available.reduce((sum, entry) => sum + lineAmount(entry.line, entry.taken, entry.available), 0n)
  if (amount === total && amount > 0n) {
    return available.map((entry) => ({ id: entry.line.id, quantity: entry.available }))
  }
  const credits = available.filter((entry) => isCreditLine(entry.line))
  const positives = available.filter((entry) => !isCreditLine(entry.line))
  // every subset of the open credit lines (there is rarely more than one), the empty one first
  for (let mask = 0; mask < 1 << Math.min(credits.length, 4); mask++) {
    const chosenCredits = credits.filter((_, index) => mask & (1 << index))
    const credit = chosenCredits.reduce((sum, entry) => sum + lineAmount(entry.line, entry.taken, 1), 0n)
    const found = positiveLinesFor(positives, amount - credit)
    if (found) {
      return [...found, ...chosenCredits.map((entry) => ({ id: entry.line.id, quantity: 1 }))]
    }
  }
  return undefined
}

type Availability = ReturnType<typeof lineAvailabilities>[number]

function positiveLinesFor(candidates: Availability[], amount: MinorUnits): LineQuantity[] | undefined {
  const total = candidates.reduce((sum, entry) => sum + lineAmount(entry.line, entry.taken, entry.available), 0n)
  if (amount === total && amount > 0n) {
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
