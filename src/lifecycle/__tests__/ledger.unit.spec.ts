import {
  applyOperation,
  balances,
  beginOperation,
  failOperation,
  IdempotencyKeyConflictError,
  InstrumentClosedError,
  InstrumentStateError,
  lapseOperation,
  instrumentStatus,
  InvalidLedgerInputError,
  ledgerViolations,
  lineAmount,
  LineQuantityExceededError,
  openInstrument,
  OverAuthorizationError,
  OverCaptureError,
  OverRefundError,
  settleOperation,
  type InstrumentLedger,
  type OperationRequest,
} from "../ledger"

/** Applies requests in order and records NewStore's table: (capturable delta, refundable delta) per request. */
function run(ledger: InstrumentLedger, requests: OperationRequest[]) {
  const table: [bigint, bigint][] = []
  for (const request of requests) {
    const outcome = applyOperation(ledger, request)
    ledger = outcome.ledger
    table.push([outcome.operation.transaction.capturableDelta, outcome.operation.transaction.refundableDelta])
  }
  expect(ledgerViolations(ledger)).toEqual([])
  return { ledger, table }
}

const twoItems = [
  { id: "item_a", quantity: 1, unitAmount: 5000n },
  { id: "item_b", quantity: 1, unitAmount: 5000n },
]

describe("the NewStore scenarios", () => {
  it("return scenario: authorize 100, capture 50, capture 50, refund 50, refund 50", () => {
    const token = openInstrument({ currency: "usd", origin: "token", amount: 10000n, lines: twoItems })
    const { ledger, table } = run(token, [
      { key: "auth", kind: "authorize" },
      { key: "ship-a", kind: "capture", lines: [{ id: "item_a", quantity: 1 }] },
      { key: "ship-b", kind: "capture", amount: 5000n },
      { key: "return-a", kind: "refund", lines: [{ id: "item_a", quantity: 1 }] },
      { key: "return-b", kind: "refund", amount: 5000n },
    ])
    expect(table).toEqual([
      [10000n, 0n],
      [-5000n, 5000n],
      [-5000n, 5000n],
      [0n, -5000n],
      [0n, -5000n],
    ])
    expect(balances(ledger)).toMatchObject({ capturable: 0n, refundable: 0n, captured: 10000n, refunded: 10000n })
    expect(instrumentStatus(ledger)).toBe("refunded")
    expect(ledger.lines.find((line) => line.id === "item_a")).toMatchObject({ captured: 1, refunded: 1 })
  })

  it("partial cancellation: authorize 100, capture 50, cancel (NewStore's revoke) voids 50, refund 50", () => {
    const token = openInstrument({ currency: "usd", origin: "token", amount: 10000n, lines: twoItems })
    const { ledger, table } = run(token, [
      { key: "auth", kind: "authorize" },
      { key: "ship-a", kind: "capture", lines: [{ id: "item_a", quantity: 1 }] },
      { key: "cancel", kind: "cancel" },
      { key: "return-a", kind: "refund", lines: [{ id: "item_a", quantity: 1 }] },
    ])
    expect(table).toEqual([
      [10000n, 0n],
      [-5000n, 5000n],
      [-5000n, 0n],
      [0n, -5000n],
    ])
    expect(ledger.lines.find((line) => line.id === "item_b")).toMatchObject({ captured: 0, canceled: 1 })
    expect(instrumentStatus(ledger)).toBe("refunded")
    expect(() => applyOperation(ledger, { key: "late", kind: "capture", amount: 1n })).toThrow(InstrumentClosedError)
  })

  it("a cancel on a pre-captured instrument is a refund of what is refundable", () => {
    const captured = openInstrument({ currency: "usd", origin: "captured", amount: 10000n, lines: twoItems })
    expect(balances(captured)).toMatchObject({ capturable: 0n, refundable: 10000n })
    const { ledger, table } = run(captured, [
      { key: "return-a", kind: "refund", lines: [{ id: "item_a", quantity: 1 }] },
      { key: "cancel", kind: "cancel" },
    ])
    expect(table).toEqual([
      [0n, -5000n],
      [0n, -5000n],
    ])
    expect(ledger.operations[1]).toMatchObject({ kind: "cancel", effect: "refund", amount: 5000n, lines: [{ id: "item_b", quantity: 1 }] })
    expect(instrumentStatus(ledger)).toBe("refunded")
    expect(() => applyOperation(ledger, { key: "again", kind: "cancel" })).toThrow(InstrumentClosedError)
  })

  it("an instrument opened authorized can be captured at once; canceling a token closes it", () => {
    const authorized = openInstrument({ currency: "eur", origin: "authorized", amount: 2000n })
    expect(run(authorized, [{ key: "c", kind: "capture" }]).table).toEqual([[-2000n, 2000n]])
    const token = openInstrument({ currency: "eur", origin: "token", amount: 2000n })
    const { ledger } = run(token, [{ key: "cancel", kind: "cancel" }])
    expect(instrumentStatus(ledger)).toBe("canceled")
    expect(() => applyOperation(ledger, { key: "a", kind: "authorize" })).toThrow(InstrumentClosedError)
  })
})

describe("idempotency", () => {
  const authorized = openInstrument({ currency: "sek", origin: "authorized", amount: 10000n })

  it("returns the first result for a repeated key even if the body differs", () => {
    const first = applyOperation(authorized, { key: "capt_1", kind: "capture", amount: 3000n })
    const again = applyOperation(first.ledger, { key: "capt_1", kind: "capture", amount: 9999n })
    expect(again.replayed).toBe(true)
    expect(again.operation).toBe(first.operation)
    expect(again.ledger).toBe(first.ledger)
    expect(balances(again.ledger).captured).toBe(3000n)
  })

  it("refuses a key reused for another kind of operation", () => {
    const first = applyOperation(authorized, { key: "k", kind: "capture", amount: 3000n })
    expect(() => applyOperation(first.ledger, { key: "k", kind: "refund", amount: 10n })).toThrow(IdempotencyKeyConflictError)
  })

  it("remembers a failed operation, and does not remember a rejected request", () => {
    const begun = beginOperation(authorized, { key: "k", kind: "capture", amount: 3000n })
    const failed = failOperation(begun.ledger, "k")
    expect(beginOperation(failed.ledger, { key: "k", kind: "capture", amount: 3000n }).operation.status).toBe("failed")
    expect(() => settleOperation(failed.ledger, "k")).toThrow(InstrumentStateError)
    expect(() => applyOperation(authorized, { key: "r", kind: "refund", amount: 1n })).toThrow(OverRefundError)
    const captured = applyOperation(authorized, { key: "c", kind: "capture", amount: 100n }).ledger
    expect(applyOperation(captured, { key: "r", kind: "refund", amount: 1n }).operation.status).toBe("succeeded")
  })
})

describe("limits", () => {
  const authorized = openInstrument({
    currency: "eur",
    origin: "authorized",
    amount: 10000n,
    lines: [{ id: "shirt", quantity: 3, unitAmount: 3333n, totalAmount: 10000n }],
  })

  it("says which limit and by how much", () => {
    const error = (() => {
      try {
        applyOperation(authorized, { key: "c", kind: "capture", amount: 10050n })
      } catch (caught) {
        return caught
      }
    })() as OverCaptureError
    expect(error).toBeInstanceOf(OverCaptureError)
    expect(error).toMatchObject({ limit: "capturable", requested: 10050n, available: 10000n, excess: 50n, currency: "eur" })
    expect(error.message).toBe(
      "Cannot capture 100.50 EUR (10050 minor units): exceeds the capturable 100.00 EUR (10000 minor units) by 0.50 EUR (50 minor units)"
    )
  })

  it("counts operations in flight against the limits", () => {
    const first = beginOperation(authorized, { key: "c1", kind: "capture", amount: 6000n })
    expect(() => beginOperation(first.ledger, { key: "c2", kind: "capture", amount: 5000n })).toThrow(/by 10.00 EUR/)
    expect(() => beginOperation(first.ledger, { key: "r", kind: "refund", amount: 1n })).toThrow(OverRefundError)
    expect(() => beginOperation(first.ledger, { key: "x", kind: "cancel" })).toThrow(/in flight/)
    const released = failOperation(first.ledger, "c1").ledger
    expect(beginOperation(released, { key: "c2", kind: "capture", amount: 10000n }).operation.amount).toBe(10000n)
  })

  it("never lets line quantities exceed the order, and spreads the line total exactly", () => {
    const one = applyOperation(authorized, { key: "c1", kind: "capture", lines: [{ id: "shirt", quantity: 1 }] })
    const two = applyOperation(one.ledger, { key: "c2", kind: "capture", lines: [{ id: "shirt", quantity: 2 }] })
    expect(one.operation.amount + two.operation.amount).toBe(10000n)
    expect(() => applyOperation(two.ledger, { key: "c3", kind: "capture", lines: [{ id: "shirt", quantity: 1 }] })).toThrow(
      new LineQuantityExceededError("capture", "shirt", 1, 0)
    )
    expect(() => applyOperation(two.ledger, { key: "r", kind: "refund", lines: [{ id: "shirt", quantity: 4 }] })).toThrow(
      /only 3 left, 1 too many/
    )
    expect(() => applyOperation(two.ledger, { key: "r", kind: "refund", lines: [{ id: "hat", quantity: 1 }] })).toThrow(
      InvalidLedgerInputError
    )
    expect([0, 1, 2].map((taken) => lineAmount({ quantity: 3, totalAmount: 10000n }, taken, 1))).toEqual([3333n, 3333n, 3334n])
  })

  it("rejects malformed and out-of-state requests", () => {
    const token = openInstrument({ currency: "eur", origin: "token", amount: 500n })
    expect(() => applyOperation(token, { key: "c", kind: "capture", amount: 1n })).toThrow(/not authorized yet/)
    expect(() => applyOperation(token, { key: "a", kind: "authorize", amount: 501n })).toThrow(OverAuthorizationError)
    expect(() => applyOperation(authorized, { key: "a", kind: "authorize" })).toThrow(InstrumentStateError)
    expect(() => applyOperation(authorized, { key: "", kind: "capture" })).toThrow(/key/)
    expect(() => applyOperation(authorized, { key: "c", kind: "capture", amount: 0n })).toThrow(/amount: must be a positive bigint/)
    expect(() => applyOperation(authorized, { key: "c", kind: "capture", amount: 5 as never })).toThrow(InvalidLedgerInputError)
    expect(() => applyOperation(authorized, { key: "v", kind: "cancel", amount: 5n })).toThrow(/takes no amount/)
    expect(() => openInstrument({ currency: "xyz", origin: "token", amount: 1n })).toThrow(/Unknown currency/)
    expect(() => openInstrument({ currency: "eur", origin: "token", amount: 1n, lines: [...twoItems, twoItems[0]] })).toThrow(/duplicate/)
    const full = applyOperation(authorized, { key: "c", kind: "capture" }).ledger
    expect(() => applyOperation(full, { key: "c2", kind: "capture" })).toThrow("Cannot capture: nothing is capturable (0 EUR)")
  })
})

describe("late failures (lapse)", () => {
  const lines = [{ id: "a", quantity: 2, unitAmount: 1000n }, { id: "b", quantity: 1, unitAmount: 500n }]

  it("a lapsed capture voids its amount and line quantities: nothing captured, no longer capturable", () => {
    const opened = openInstrument({ currency: "eur", origin: "authorized", amount: 2500n, lines })
    const { ledger: held } = beginOperation(opened, { key: "c1", kind: "capture", lines: [{ id: "a", quantity: 1 }] })
    const { ledger, operation } = lapseOperation(held, "c1")
    expect(operation.status).toBe("lapsed")
    expect(balances(ledger)).toMatchObject({ captured: 0n, canceled: 1000n, capturable: 1500n, pendingCapture: 0n })
    expect(ledger.lines[0]).toMatchObject({ captured: 0, canceled: 1 })
    expect(ledgerViolations(ledger)).toEqual([])
    expect(lapseOperation(ledger, "c1").replayed).toBe(true)
    expect(() => settleOperation(ledger, "c1")).toThrow(InstrumentStateError)
  })

  it("only a capture in flight lapses", () => {
    const opened = openInstrument({ currency: "eur", origin: "captured", amount: 2500n, lines })
    const { ledger } = beginOperation(opened, { key: "r1", kind: "refund", amount: 100n })
    expect(() => lapseOperation(ledger, "r1")).toThrow(/only a capture lapses/)
    const settled = settleOperation(ledger, "r1").ledger
    expect(() => lapseOperation(settled, "r1")).toThrow(/already succeeded/)
  })
})
