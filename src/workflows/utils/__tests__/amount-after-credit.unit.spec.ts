import { applyOperation, openInstrument, type InstrumentLedger } from "../../../lifecycle/ledger"
import { amountAfterCredit } from "../move-order-money"

/** An authorized EUR payment of two lines (60.00 and 40.00), by amount (CM.com). */
function authorized(): InstrumentLedger {
  const opened = openInstrument({
    currency: "eur",
    origin: "token",
    amount: 10_000n,
    lines: [
      { id: "shirt", quantity: 1, unitAmount: 6_000n },
      { id: "tote", quantity: 1, unitAmount: 4_000n },
    ],
  })
  return applyOperation(opened, { key: "authorize", kind: "authorize" }).ledger
}

describe("amountAfterCredit", () => {
  it("a gift card the PSP captured at authorization is taken off the next line captures, once", () => {
    let book = applyOperation(authorized(), { key: "capture:psp:gift", kind: "capture", amount: 2_500n }).ledger
    expect(amountAfterCredit(book, "capture", "amount", [{ id: "shirt", quantity: 1 }])).toBe(3_500n)
    book = applyOperation(book, { key: "capture:fulfillment:f1", kind: "capture", lines: [{ id: "shirt", quantity: 1 }], amount: 3_500n }).ledger
    expect(amountAfterCredit(book, "capture", "amount", [{ id: "tote", quantity: 1 }])).toBeUndefined()
  })

  it("the parts of one capture split across tenders count as one capture, not as credit", () => {
    // one fulfillment of the shirt, split across two cards: 20.00 on the first (with the line), 40.00 on the second
    let book = applyOperation(authorized(), { key: "capture:fulfillment:f1:inst:card1", kind: "capture", lines: [{ id: "shirt", quantity: 1 }], amount: 2_000n }).ledger
    book = applyOperation(book, { key: "capture:fulfillment:f1:inst:card2", kind: "capture", amount: 4_000n }).ledger
    expect(amountAfterCredit(book, "capture", "amount", [{ id: "tote", quantity: 1 }])).toBeUndefined()
    // with a gift card's 25.00 captured at authorization, the tote (40.00) still owes 15.00
    book = applyOperation(book, { key: "capture:psp:gift", kind: "capture", amount: 2_500n }).ledger
    expect(amountAfterCredit(book, "capture", "amount", [{ id: "tote", quantity: 1 }])).toBe(1_500n)
  })
})
