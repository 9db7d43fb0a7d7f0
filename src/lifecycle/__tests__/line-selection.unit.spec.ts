import fc from "fast-check"
import { applyOperation, lineAmount, openInstrument, type InstrumentLedger } from "../ledger"
import { linesForAmount } from "../line-selection"

function authorized(lines: { id: string; quantity: number; total: bigint }[]): InstrumentLedger {
  const amount = lines.reduce((sum, line) => sum + line.total, 0n)
  const ledger = openInstrument({
    currency: "sek",
    origin: "authorized",
    amount,
    lines: lines.map((line) => ({ id: line.id, quantity: line.quantity, unitAmount: line.total / BigInt(line.quantity), totalAmount: line.total })),
  })
  return ledger
}

describe("linesForAmount", () => {
  const ledger = authorized([
    { id: "shirt", quantity: 2, total: 129_800n },
    { id: "sweater", quantity: 3, total: 298_500n },
    { id: "shipping", quantity: 1, total: 5_900n },
  ])

  it("takes everything available for the full amount", () => {
    expect(linesForAmount(ledger, "capture", 434_200n)).toEqual([
      { id: "shirt", quantity: 2 },
      { id: "sweater", quantity: 3 },
      { id: "shipping", quantity: 1 },
    ])
  })

  it("finds whole lines, then single units, worth exactly the amount", () => {
    expect(linesForAmount(ledger, "capture", 135_700n)).toEqual([
      { id: "shirt", quantity: 2 },
      { id: "shipping", quantity: 1 },
    ])
    expect(linesForAmount(ledger, "capture", 99_500n + 64_900n)).toEqual([
      { id: "shirt", quantity: 1 },
      { id: "sweater", quantity: 1 },
    ])
  })

  it("says undefined when no combination matches, or the amount is out of range", () => {
    expect(linesForAmount(ledger, "capture", 100n)).toBeUndefined()
    expect(linesForAmount(ledger, "capture", 0n)).toBeUndefined()
    expect(linesForAmount(ledger, "capture", 434_201n)).toBeUndefined()
  })

  it("respects what is already captured (refund side: only captured units)", () => {
    const captured = applyOperation(ledger, { key: "c1", kind: "capture", lines: [{ id: "sweater", quantity: 1 }] }).ledger
    expect(linesForAmount(captured, "refund", 99_500n)).toEqual([{ id: "sweater", quantity: 1 }])
    expect(linesForAmount(captured, "refund", 64_900n)).toBeUndefined()
    expect(linesForAmount(captured, "capture", 199_000n)).toEqual([{ id: "sweater", quantity: 2 }])
  })

  it("whatever it returns is worth exactly the amount asked and within what is available", () => {
    const lineArb = fc.record({ quantity: fc.integer({ min: 1, max: 4 }), total: fc.bigInt({ min: 0n, max: 50_000n }) })
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 5 }), fc.bigInt({ min: 1n, max: 200_000n }), (specs, amount) => {
        if (specs.every((spec) => spec.total === 0n)) return
        const book = authorized(specs.map((spec, index) => ({ id: `l${index}`, ...spec })))
        const chosen = linesForAmount(book, "capture", amount)
        if (!chosen) return
        const sum = chosen.reduce((total, pick) => {
          const line = book.lines.find((candidate) => candidate.id === pick.id)!
          expect(pick.quantity).toBeLessThanOrEqual(line.quantity)
          return total + lineAmount(line, 0, pick.quantity)
        }, 0n)
        expect(sum).toBe(amount)
        // and the ledger accepts it for exactly that amount
        expect(applyOperation(book, { key: "k", kind: "capture", lines: chosen }).operation.amount).toBe(amount)
      }),
      { numRuns: 1000 }
    )
  })
})
