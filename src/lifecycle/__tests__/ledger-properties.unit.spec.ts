import fc from "fast-check"
import {
  balances,
  beginOperation,
  failOperation,
  findOperation,
  instrumentStatus,
  lapseOperation,
  LedgerError,
  ledgerViolations,
  openInstrument,
  settleOperation,
  type InstrumentLedger,
  type InstrumentOrigin,
  type LedgerOperation,
  type OperationKind,
  type OperationRequest,
} from "../ledger"

/** Random operation sequences, with keys drawn from a small pool so that repeats are frequent. */
const lineSpec = fc.record({ quantity: fc.integer({ min: 1, max: 4 }), unitAmount: fc.bigInt({ min: 0n, max: 5000n }) })

const instrumentArbitrary = fc
  .record({
    origin: fc.constantFrom<InstrumentOrigin>("token", "authorized", "captured"),
    lines: fc.array(lineSpec, { minLength: 0, maxLength: 3 }),
    extra: fc.bigInt({ min: 1n, max: 3000n }),
  })
  .map(({ origin, lines, extra }) => {
    const withIds = lines.map((line, index) => ({ id: `line_${index}`, ...line }))
    const amount = withIds.reduce((total, line) => total + line.unitAmount * BigInt(line.quantity), extra)
    return openInstrument({ currency: "eur", origin, amount, lines: withIds })
  })

type Step =
  | { type: "begin"; key: number; kind: OperationKind; amount?: bigint; lines?: { line: number; quantity: number }[] }
  | { type: "settle" | "fail" | "lapse"; key: number }

const keyIndex = fc.integer({ min: 0, max: 11 })
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({
    type: fc.constant("begin" as const),
    key: keyIndex,
    kind: fc.constantFrom<OperationKind>("authorize", "capture", "capture", "refund", "refund", "cancel"),
    amount: fc.option(fc.bigInt({ min: 1n, max: 12000n }), { nil: undefined }),
    lines: fc.option(fc.array(fc.record({ line: fc.integer({ min: 0, max: 3 }), quantity: fc.integer({ min: 1, max: 3 }) }), { maxLength: 2 }), { nil: undefined }),
  }, { requiredKeys: ["type", "key", "kind"] }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constantFrom("settle" as const, "fail" as const, "lapse" as const), key: keyIndex }) }
)

function toRequest(step: Extract<Step, { type: "begin" }>): OperationRequest {
  const lines = step.lines?.map((line) => ({ id: `line_${line.line}`, quantity: line.quantity }))
  const unique = lines?.filter((line, index) => lines.findIndex((other) => other.id === line.id) === index)
  const request: OperationRequest = { key: `key_${step.key}`, kind: step.kind }
  if (step.kind === "authorize" || step.kind === "cancel") {
    return request
  }
  return { ...request, ...(step.amount !== undefined ? { amount: step.amount } : {}), ...(unique ? { lines: unique } : {}) }
}

/** What "the same result" means for a replay: everything but the status, which only moves forward. */
function body(operation: LedgerOperation): string {
  const { key, kind, effect, amount, lines, transaction } = operation
  return `${key}|${kind}|${effect}|${amount}|${lines.map((l) => `${l.id}x${l.quantity}`).join(",")}|${transaction.capturableDelta}|${transaction.refundableDelta}`
}

const STATUS_ORDER = { pending: 0, succeeded: 1, failed: 1, lapsed: 1 } as const

/** Plain checks in the hot loop: jest's expect is too slow for thousands of sequences. */
function check(condition: boolean, message: string): void {
  if (!condition) {
    throw new Error(message)
  }
}

function runSteps(start: InstrumentLedger, steps: Step[]): void {
  let ledger = start
  const firstSeen = new Map<string, string>()
  for (const step of steps) {
    const before = ledger
    try {
      if (step.type === "begin") {
        const request = toRequest(step)
        const known = findOperation(ledger, request.key)
        const outcome = beginOperation(ledger, request)
        if (known) {
          // same key ⇒ same result, whatever the body says, and nothing changes
          check(outcome.replayed && outcome.operation === known && outcome.ledger === before, `replay of ${request.key} changed something`)
        } else {
          check(!outcome.replayed, `fresh key ${request.key} reported as replayed`)
          firstSeen.set(request.key, body(outcome.operation))
        }
        ledger = outcome.ledger
      } else {
        const key = `key_${step.key}`
        const previous = findOperation(ledger, key)
        const transition = { settle: settleOperation, fail: failOperation, lapse: lapseOperation }[step.type]
        const outcome = transition(ledger, key)
        ledger = outcome.ledger
        check(STATUS_ORDER[outcome.operation.status] >= STATUS_ORDER[previous!.status], `status of ${key} went backwards`)
      }
    } catch (error) {
      if (!(error instanceof LedgerError)) {
        throw error
      }
      check(ledger === before, "a rejected request changed the ledger")
    }

    const violations = ledgerViolations(ledger)
    check(violations.length === 0, violations.join("; "))
    const b = balances(ledger)
    check(b.captured <= b.authorized, "captured > authorized")
    check(b.refunded <= b.captured, "refunded > captured")
    check(b.capturable === b.authorized - b.captured - b.canceled, "capturable != authorized - captured - canceled")
    for (const line of ledger.lines) {
      check(line.captured + line.canceled <= line.quantity, `line ${line.id} beyond its quantity`)
      check(line.refunded <= line.captured, `line ${line.id} refunded more than captured`)
    }
    for (const [key, first] of firstSeen) {
      check(body(findOperation(ledger, key)!) === first, `operation ${key} changed after it was accepted`)
    }
    check(!ledger.closed || b.capturable === 0n, "a canceled instrument is still capturable")
    check(typeof instrumentStatus(ledger) === "string", "no status")
  }
}

describe("ledger properties", () => {
  it("random operation sequences with repeated keys keep every invariant", () => {
    fc.assert(
      fc.property(instrumentArbitrary, fc.array(stepArbitrary, { minLength: 1, maxLength: 25 }), runSteps),
      { numRuns: 3000 }
    )
  })

  it("captures and refunds by lines never move more than the lines' totals", () => {
    fc.assert(
      fc.property(instrumentArbitrary, fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 12 }), (start, picks) => {
        let ledger = start
        if (ledger.origin === "token") {
          ledger = settleOperation(beginOperation(ledger, { key: "auth", kind: "authorize" }).ledger, "auth").ledger
        }
        const lineTotal = ledger.lines.reduce((total, line) => total + line.totalAmount, 0n)
        let moved = 0n
        picks.forEach((pick, index) => {
          const line = ledger.lines[pick]
          if (!line) return
          const kind = ledger.origin === "captured" ? "refund" : "capture"
          try {
            const outcome = beginOperation(ledger, { key: `op_${index}`, kind, lines: [{ id: line.id, quantity: 1 }] })
            ledger = settleOperation(outcome.ledger, `op_${index}`).ledger
            moved += outcome.operation.amount
          } catch (error) {
            if (!(error instanceof LedgerError)) throw error
          }
        })
        expect(moved <= lineTotal).toBe(true)
        const allTaken = ledger.lines.every((line) => (ledger.origin === "captured" ? line.refunded : line.captured) === line.quantity)
        if (allTaken) {
          expect(moved).toBe(lineTotal) // cumulative spreading leaves no remainder behind
        }
      }),
      { numRuns: 2000 }
    )
  })
})
