/**
 * The financial instrument ledger (NewStore's model, see README "Architecture → The ledger").
 *
 * One instrument per Medusa payment. It is opened as a `token` (needs authorization), as
 * `authorized`, or as `captured` (pre-captured), and afterwards only operations move money:
 * authorize, capture (partial, many times), refund (partial, many times) and cancel, NewStore's
 * "revoke" (release what is uncaptured; on a pre-captured instrument, refund what is refundable).
 *
 * Operations are two-phase, like the write-ahead rows that back them: `beginOperation` checks the
 * limits and places a hold; `settleOperation` (the PSP said yes) makes it real; `failOperation`
 * (the PSP said no) drops the hold. Holds count against the limits, so two captures that are in
 * flight at once can never together exceed what is capturable. `applyOperation` does both phases.
 *
 * Every operation carries an idempotency key: asking again with a key the ledger has accepted
 * returns that operation unchanged, whatever the new request says. A request the ledger rejects
 * (over-capture, closed instrument…) changes nothing and is not remembered, so the same key can
 * be retried once the instrument allows it.
 *
 * A pre-captured instrument opens with everything captured and refundable (as Medusa records a
 * payment whose authorization came back `captured`): captures on it are over-captures, and its
 * cancel is a refund.
 *
 * A credit line (a gift card or store credit the cart was paid with in part) has a negative total
 * and quantity 1: it is captured once, with a capture it lowers, and never refunded or cancelled on
 * its own (the capture plan decides when: lifecycle/capture-plan.ts).
 *
 * Pure and immutable: every function returns a new ledger. Amounts are bigint minor units;
 * line quantities are integers.
 */
import { currencyExponent, fromMinorUnits, type MinorUnits } from "./money"

export type InstrumentOrigin = "token" | "authorized" | "captured"
export type OperationKind = "authorize" | "capture" | "refund" | "cancel"
/** What an operation does to the money; a cancel is a `void`, or a `refund` on a pre-captured instrument. */
export type OperationEffect = "authorize" | "capture" | "refund" | "void"
/**
 * `pending`: held against the limits (in flight, outcome unknown, or accepted and not confirmed);
 * `lapsed`: a capture the PSP accepted and then failed (an expired authorization): its amount can
 * never be captured any more, so it counts as voided.
 */
export type LedgerOperationStatus = "pending" | "succeeded" | "failed" | "lapsed"
export type InstrumentStatus =
  | "token"
  | "authorized"
  | "partially_captured"
  | "captured"
  | "partially_refunded"
  | "refunded"
  | "canceled"

export interface LineQuantity {
  readonly id: string
  readonly quantity: number
}

/** A line's part in an operation: `quantity` units worth `amount` (what the PSP is sent for that line). */
export interface OperationLine extends LineQuantity {
  readonly amount: MinorUnits
}

export interface LedgerLineInput {
  readonly id: string
  readonly quantity: number
  readonly unitAmount: MinorUnits
  /** Defaults to unitAmount × quantity; give it when discounts make the line total differ. */
  readonly totalAmount?: MinorUnits
}

/** An order line with its settled quantities. */
export interface LedgerLine {
  readonly id: string
  readonly quantity: number
  readonly unitAmount: MinorUnits
  readonly totalAmount: MinorUnits
  readonly captured: number
  readonly refunded: number
  readonly canceled: number
}

/** NewStore's transaction: how an operation moves the capturable and refundable amounts. */
export interface LedgerTransaction {
  readonly capturableDelta: MinorUnits
  readonly refundableDelta: MinorUnits
}

export interface LedgerOperation {
  readonly key: string
  readonly kind: OperationKind
  readonly effect: OperationEffect
  readonly status: LedgerOperationStatus
  readonly amount: MinorUnits
  readonly lines: readonly OperationLine[]
  /** The movement this operation makes once settled (zero deltas for a no-op cancel). */
  readonly transaction: LedgerTransaction
}

export interface InstrumentLedger {
  readonly currency: string
  readonly origin: InstrumentOrigin
  /** The amount the instrument was opened for (the Medusa payment session amount). */
  readonly amount: MinorUnits
  readonly authorized: MinorUnits
  readonly captured: MinorUnits
  readonly refunded: MinorUnits
  /** Authorization released without capture (voided by a cancel). */
  readonly canceled: MinorUnits
  /** A settled cancel closed the instrument to authorize, capture and cancel. */
  readonly closed: boolean
  readonly lines: readonly LedgerLine[]
  /** Every accepted operation, in the order it was begun. */
  readonly operations: readonly LedgerOperation[]
}

export interface OpenInstrumentInput {
  readonly currency: string
  readonly origin: InstrumentOrigin
  readonly amount: MinorUnits
  readonly lines?: readonly LedgerLineInput[]
}

export interface OperationRequest {
  readonly key: string
  readonly kind: OperationKind
  /** Omitted: the lines' amount if lines are given, else everything available (authorize: the instrument amount). Not allowed on cancel. */
  readonly amount?: MinorUnits
  /** Capture or refund exactly these line quantities. Not allowed on authorize and cancel. */
  readonly lines?: readonly LineQuantity[]
}

export interface OperationOutcome {
  readonly ledger: InstrumentLedger
  readonly operation: LedgerOperation
  /** True when the key was already known: nothing changed and `operation` is the earlier one. */
  readonly replayed: boolean
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export abstract class LedgerError extends Error {
  abstract readonly code: string
}

export type AmountLimit = "authorizable" | "capturable" | "refundable"

/** An amount beyond a limit; `excess` is how much too much, all in minor units of `currency`. */
export class LimitExceededError extends LedgerError {
  readonly code: string = "limit_exceeded"
  readonly excess: MinorUnits

  constructor(
    readonly operation: OperationKind,
    readonly limit: AmountLimit,
    readonly requested: MinorUnits,
    readonly available: MinorUnits,
    readonly currency: string
  ) {
    super(
      requested === 0n
        ? `Cannot ${operation}: nothing is ${limit} (0 ${currency.toUpperCase()})`
        : `Cannot ${operation} ${money(requested, currency)}: exceeds the ${limit} ${money(available, currency)} ` +
            `by ${money(requested - available, currency)}`
    )
    this.excess = requested - available
  }
}

export class OverAuthorizationError extends LimitExceededError {
  override readonly code = "over_authorization"
  constructor(requested: MinorUnits, available: MinorUnits, currency: string) {
    super("authorize", "authorizable", requested, available, currency)
    this.name = "OverAuthorizationError"
  }
}

export class OverCaptureError extends LimitExceededError {
  override readonly code = "over_capture"
  constructor(requested: MinorUnits, available: MinorUnits, currency: string) {
    super("capture", "capturable", requested, available, currency)
    this.name = "OverCaptureError"
  }
}

export class OverRefundError extends LimitExceededError {
  override readonly code = "over_refund"
  constructor(requested: MinorUnits, available: MinorUnits, currency: string) {
    super("refund", "refundable", requested, available, currency)
    this.name = "OverRefundError"
  }
}

/** A line quantity beyond what the order has left for that operation. */
export class LineQuantityExceededError extends LedgerError {
  readonly code = "line_quantity_exceeded"
  readonly excess: number
  constructor(readonly operation: OperationKind, readonly lineId: string, readonly requested: number, readonly available: number) {
    super(`Cannot ${operation} ${requested} of line ${lineId}: only ${available} left, ${requested - available} too many`)
    this.name = "LineQuantityExceededError"
    this.excess = requested - available
  }
}

/** The instrument was canceled (or a cancel is in flight): no more authorize, capture or cancel. */
export class InstrumentClosedError extends LedgerError {
  readonly code = "instrument_closed"
  constructor(readonly operation: OperationKind, reason: string) {
    super(`Cannot ${operation}: the instrument is closed (${reason})`)
    this.name = "InstrumentClosedError"
  }
}

/** The operation does not fit the instrument's state (capture before authorization, authorize twice, cancel while others are in flight). */
export class InstrumentStateError extends LedgerError {
  readonly code = "invalid_state"
  constructor(readonly operation: OperationKind | "settle" | "fail" | "lapse", message: string) {
    super(`Cannot ${operation}: ${message}`)
    this.name = "InstrumentStateError"
  }
}

/** A key the ledger knows for one kind of operation, sent with another. */
export class IdempotencyKeyConflictError extends LedgerError {
  readonly code = "idempotency_key_conflict"
  constructor(readonly key: string, readonly existingKind: OperationKind, readonly requestedKind: OperationKind) {
    super(`Idempotency key "${key}" belongs to a ${existingKind}, not a ${requestedKind}`)
    this.name = "IdempotencyKeyConflictError"
  }
}

/** A malformed request or instrument: which field, and why. */
export class InvalidLedgerInputError extends LedgerError {
  readonly code = "invalid_input"
  constructor(readonly field: string, reason: string) {
    super(`Invalid ${field}: ${reason}`)
    this.name = "InvalidLedgerInputError"
  }
}

function money(minor: MinorUnits, currency: string): string {
  return `${fromMinorUnits(minor, currency)} ${currency.toUpperCase()} (${minor} minor units)`
}

// ---------------------------------------------------------------------------------------------
// Opening and reading
// ---------------------------------------------------------------------------------------------

function assertQuantity(field: string, quantity: number, allowZero: boolean): void {
  if (!Number.isSafeInteger(quantity) || quantity < (allowZero ? 0 : 1)) {
    throw new InvalidLedgerInputError(field, `must be a ${allowZero ? "non-negative" : "positive"} integer (got ${quantity})`)
  }
}

function isCreditAmount(amount: unknown): boolean {
  return typeof amount === "bigint" && amount < 0n
}

/** A gift card or store credit line: a negative total, captured once with a capture it lowers. */
export function isCreditLine(line: Pick<LedgerLine, "totalAmount">): boolean {
  return line.totalAmount < 0n
}

function assertAmount(field: string, amount: unknown, allowZero: boolean): asserts amount is MinorUnits {
  if (typeof amount !== "bigint" || amount < (allowZero ? 0n : 1n)) {
    throw new InvalidLedgerInputError(field, `must be a ${allowZero ? "non-negative" : "positive"} bigint of minor units (got ${String(amount)})`)
  }
}

export function openInstrument(input: OpenInstrumentInput): InstrumentLedger {
  currencyExponent(input.currency) // throws UnknownCurrencyError
  assertAmount("amount", input.amount, false)
  if (!["token", "authorized", "captured"].includes(input.origin)) {
    throw new InvalidLedgerInputError("origin", `must be token, authorized or captured (got ${String(input.origin)})`)
  }
  const seen = new Set<string>()
  const lines = (input.lines ?? []).map((line, index): LedgerLine => {
    if (!line.id || seen.has(line.id)) {
      throw new InvalidLedgerInputError(`lines[${index}].id`, line.id ? `duplicate line id ${line.id}` : "must not be empty")
    }
    seen.add(line.id)
    assertQuantity(`lines[${index}].quantity`, line.quantity, false)
    const totalAmount = line.totalAmount ?? line.unitAmount * BigInt(line.quantity)
    if (isCreditAmount(totalAmount)) {
      if (line.quantity !== 1) {
        throw new InvalidLedgerInputError(`lines[${index}].quantity`, "a credit line (negative total) has quantity 1")
      }
    } else {
      assertAmount(`lines[${index}].unitAmount`, line.unitAmount, true)
      assertAmount(`lines[${index}].totalAmount`, totalAmount, true)
    }
    const captured = input.origin === "captured" ? line.quantity : 0
    return { id: line.id, quantity: line.quantity, unitAmount: line.unitAmount, totalAmount, captured, refunded: 0, canceled: 0 }
  })
  return {
    currency: input.currency.toLowerCase(),
    origin: input.origin,
    amount: input.amount,
    authorized: input.origin === "token" ? 0n : input.amount,
    captured: input.origin === "captured" ? input.amount : 0n,
    refunded: 0n,
    canceled: 0n,
    closed: false,
    lines,
    operations: [],
  }
}

export interface LedgerBalances {
  readonly authorized: MinorUnits
  readonly captured: MinorUnits
  readonly refunded: MinorUnits
  readonly canceled: MinorUnits
  /** authorized − captured − canceled */
  readonly capturable: MinorUnits
  /** captured − refunded */
  readonly refundable: MinorUnits
  /** Held by operations in flight. */
  readonly pendingCapture: MinorUnits
  readonly pendingRefund: MinorUnits
}

function pending(ledger: InstrumentLedger): LedgerOperation[] {
  return ledger.operations.filter((operation) => operation.status === "pending")
}

function sumPending(ledger: InstrumentLedger, effect: OperationEffect): MinorUnits {
  return pending(ledger)
    .filter((operation) => operation.effect === effect)
    .reduce((total, operation) => total + operation.amount, 0n)
}

export function balances(ledger: InstrumentLedger): LedgerBalances {
  return {
    authorized: ledger.authorized,
    captured: ledger.captured,
    refunded: ledger.refunded,
    canceled: ledger.canceled,
    capturable: ledger.authorized - ledger.captured - ledger.canceled,
    refundable: ledger.captured - ledger.refunded,
    pendingCapture: sumPending(ledger, "capture"),
    pendingRefund: sumPending(ledger, "refund"),
  }
}

export function instrumentStatus(ledger: InstrumentLedger): InstrumentStatus {
  const { capturable, refundable } = balances(ledger)
  if (ledger.captured === 0n) {
    if (ledger.closed) return "canceled"
    return ledger.authorized === 0n ? "token" : "authorized"
  }
  if (ledger.refunded > 0n) {
    return refundable === 0n && capturable === 0n ? "refunded" : "partially_refunded"
  }
  return capturable > 0n ? "partially_captured" : "captured"
}

export function findOperation(ledger: InstrumentLedger, key: string): LedgerOperation | undefined {
  return ledger.operations.find((operation) => operation.key === key)
}

/**
 * The amount of `quantity` units of a line after `taken` units: the line total is spread over its
 * units with cumulative floor division, so any split of the whole line sums to exactly its total.
 */
export function lineAmount(line: Pick<LedgerLine, "quantity" | "totalAmount">, taken: number, quantity: number): MinorUnits {
  const total = line.totalAmount
  const units = BigInt(line.quantity)
  return (total * BigInt(taken + quantity)) / units - (total * BigInt(taken)) / units
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/** NewStore's transaction for an effect: capture moves capturable into refundable, and so on. */
export function transactionFor(effect: OperationEffect, amount: MinorUnits): LedgerTransaction {
  switch (effect) {
    case "authorize":
      return { capturableDelta: amount, refundableDelta: 0n }
    case "capture":
      return { capturableDelta: -amount, refundableDelta: amount }
    case "refund":
      return { capturableDelta: 0n, refundableDelta: -amount }
    case "void":
      return { capturableDelta: -amount, refundableDelta: 0n }
  }
}

export type LineStage = "capture" | "refund"

function pendingLineQuantity(ledger: InstrumentLedger, lineId: string, effect: OperationEffect): number {
  return pending(ledger)
    .filter((operation) => operation.effect === effect)
    .flatMap((operation) => operation.lines)
    .filter((line) => line.id === lineId)
    .reduce((total, line) => total + line.quantity, 0)
}

/** Units already taken (settled or held) and still available for a stage. */
function lineAvailability(ledger: InstrumentLedger, line: LedgerLine, stage: LineStage): { taken: number; available: number } {
  if (stage === "capture") {
    const taken = line.captured + pendingLineQuantity(ledger, line.id, "capture")
    return { taken, available: line.quantity - line.canceled - taken }
  }
  const taken = line.refunded + pendingLineQuantity(ledger, line.id, "refund")
  // a credit is never refunded on its own: what it paid for was never charged through the PSP
  return { taken, available: isCreditLine(line) ? 0 : line.captured - taken }
}

/** For each line: units already taken (settled or in flight) and still available to capture or refund. */
export function lineAvailabilities(
  ledger: InstrumentLedger,
  stage: LineStage
): { line: LedgerLine; taken: number; available: number }[] {
  return ledger.lines.map((line) => ({ line, ...lineAvailability(ledger, line, stage) }))
}

/** Validates requested line quantities and returns them with their amount. */
function resolveLines(
  ledger: InstrumentLedger,
  kind: OperationKind,
  stage: LineStage,
  requested: readonly LineQuantity[]
): { lines: OperationLine[]; amount: MinorUnits } {
  const seen = new Set<string>()
  let amount = 0n
  const lines = requested.map((request, index) => {
    const line = ledger.lines.find((candidate) => candidate.id === request.id)
    if (!line) {
      throw new InvalidLedgerInputError(`lines[${index}].id`, `the instrument has no line ${request.id}`)
    }
    if (seen.has(line.id)) {
      throw new InvalidLedgerInputError(`lines[${index}].id`, `line ${line.id} appears twice`)
    }
    seen.add(line.id)
    assertQuantity(`lines[${index}].quantity`, request.quantity, false)
    const { taken, available } = lineAvailability(ledger, line, stage)
    if (request.quantity > available) {
      throw new LineQuantityExceededError(kind, line.id, request.quantity, available)
    }
    const part = lineAmount(line, taken, request.quantity)
    amount += part
    return { id: line.id, quantity: request.quantity, amount: part }
  })
  return { lines, amount }
}

function isClosing(ledger: InstrumentLedger): boolean {
  return ledger.closed || pending(ledger).some((operation) => operation.kind === "cancel")
}

function resolveAmount(
  request: OperationRequest,
  fromLines: MinorUnits | undefined,
  available: MinorUnits
): MinorUnits {
  if (request.amount !== undefined) {
    assertAmount("amount", request.amount, false)
    return request.amount
  }
  return fromLines ?? available
}

function planOperation(ledger: InstrumentLedger, request: OperationRequest): LedgerOperation {
  const { kind, currency } = { kind: request.kind, currency: ledger.currency }
  const base = { key: request.key, kind, status: "pending" as const }
  const { capturable, refundable, pendingCapture, pendingRefund } = balances(ledger)

  if (kind === "authorize" || kind === "cancel") {
    if (request.lines !== undefined) {
      throw new InvalidLedgerInputError("lines", `a ${kind} takes no lines`)
    }
  }

  switch (kind) {
    case "authorize": {
      if (isClosing(ledger)) throw new InstrumentClosedError(kind, "canceled")
      if (ledger.origin !== "token") throw new InstrumentStateError(kind, `the instrument was opened ${ledger.origin}`)
      if (ledger.authorized > 0n || pending(ledger).some((operation) => operation.kind === "authorize")) {
        throw new InstrumentStateError(kind, "the instrument is already authorized or being authorized")
      }
      const amount = resolveAmount(request, undefined, ledger.amount)
      if (amount > ledger.amount) throw new OverAuthorizationError(amount, ledger.amount, currency)
      return { ...base, effect: "authorize", amount, lines: [], transaction: transactionFor("authorize", amount) }
    }
    case "capture": {
      if (isClosing(ledger)) throw new InstrumentClosedError(kind, "canceled")
      if (ledger.authorized === 0n) throw new InstrumentStateError(kind, "the instrument is not authorized yet")
      const available = capturable - pendingCapture
      const resolved = request.lines ? resolveLines(ledger, kind, "capture", request.lines) : undefined
      const amount = resolveAmount(request, resolved?.amount, available)
      if (amount <= 0n || amount > available) throw new OverCaptureError(amount, available, currency)
      return { ...base, effect: "capture", amount, lines: resolved?.lines ?? [], transaction: transactionFor("capture", amount) }
    }
    case "refund": {
      const available = refundable - pendingRefund
      const resolved = request.lines ? resolveLines(ledger, kind, "refund", request.lines) : undefined
      const amount = resolveAmount(request, resolved?.amount, available)
      if (amount <= 0n || amount > available) throw new OverRefundError(amount, available, currency)
      return { ...base, effect: "refund", amount, lines: resolved?.lines ?? [], transaction: transactionFor("refund", amount) }
    }
    case "cancel": {
      if (request.amount !== undefined) throw new InvalidLedgerInputError("amount", "a cancel takes no amount: it releases everything left")
      if (isClosing(ledger)) throw new InstrumentClosedError(kind, "already canceled")
      if (pending(ledger).length > 0) {
        throw new InstrumentStateError(kind, `${pending(ledger).length} operation(s) still in flight; settle or fail them first`)
      }
      if (ledger.origin === "captured") {
        // A pre-captured instrument cannot be voided: its cancel refunds what is refundable.
        if (refundable === 0n) throw new InstrumentClosedError(kind, "everything is refunded")
        const lines = ledger.lines
          .map((line) => ({
            id: line.id,
            quantity: line.captured - line.refunded,
            amount: lineAmount(line, line.refunded, line.captured - line.refunded),
          }))
          .filter((line) => line.quantity > 0)
        return { ...base, effect: "refund", amount: refundable, lines, transaction: transactionFor("refund", refundable) }
      }
      const lines = ledger.lines
        .map((line) => ({
          id: line.id,
          quantity: line.quantity - line.captured - line.canceled,
          amount: lineAmount(line, line.captured + line.canceled, line.quantity - line.captured - line.canceled),
        }))
        .filter((line) => line.quantity > 0)
      return { ...base, effect: "void", amount: capturable, lines, transaction: transactionFor("void", capturable) }
    }
    default:
      throw new InvalidLedgerInputError("kind", `must be authorize, capture, refund or cancel (got ${String(kind)})`)
  }
}

/**
 * Phase one: check the request against what is available (net of operations in flight) and hold
 * it. A known key returns its operation as it stands (`replayed: true`), whatever the request says.
 */
export function beginOperation(ledger: InstrumentLedger, request: OperationRequest): OperationOutcome {
  if (typeof request.key !== "string" || request.key.length === 0) {
    throw new InvalidLedgerInputError("key", "an idempotency key is required")
  }
  const existing = findOperation(ledger, request.key)
  if (existing) {
    if (existing.kind !== request.kind) {
      throw new IdempotencyKeyConflictError(request.key, existing.kind, request.kind)
    }
    return { ledger, operation: existing, replayed: true }
  }
  const operation = planOperation(ledger, request)
  return { ledger: { ...ledger, operations: [...ledger.operations, operation] }, operation, replayed: false }
}

function withOperation(ledger: InstrumentLedger, operation: LedgerOperation): InstrumentLedger {
  return { ...ledger, operations: ledger.operations.map((existing) => (existing.key === operation.key ? operation : existing)) }
}

function knownOperation(ledger: InstrumentLedger, key: string, phase: "settle" | "fail" | "lapse"): LedgerOperation {
  const operation = findOperation(ledger, key)
  if (!operation) {
    throw new InvalidLedgerInputError("key", `no operation with idempotency key "${key}" to ${phase}`)
  }
  return operation
}

function addLineQuantities(
  lines: readonly LedgerLine[],
  moved: readonly LineQuantity[],
  field: "captured" | "refunded" | "canceled"
): LedgerLine[] {
  return lines.map((line) => {
    const quantity = moved.find((entry) => entry.id === line.id)?.quantity ?? 0
    return quantity === 0 ? line : { ...line, [field]: line[field] + quantity }
  })
}

/** Phase two, success: the held operation becomes part of the balances. Idempotent. */
export function settleOperation(ledger: InstrumentLedger, key: string): OperationOutcome {
  const operation = knownOperation(ledger, key, "settle")
  if (operation.status === "succeeded") {
    return { ledger, operation, replayed: true }
  }
  if (operation.status === "failed" || operation.status === "lapsed") {
    throw new InstrumentStateError("settle", `operation "${key}" already ${operation.status}`)
  }
  const settled: LedgerOperation = { ...operation, status: "succeeded" }
  const next = withOperation(ledger, settled)
  const closed = next.closed || operation.kind === "cancel"
  switch (operation.effect) {
    case "authorize":
      return { ledger: { ...next, authorized: next.authorized + operation.amount }, operation: settled, replayed: false }
    case "capture":
      return {
        ledger: { ...next, captured: next.captured + operation.amount, lines: addLineQuantities(next.lines, operation.lines, "captured") },
        operation: settled,
        replayed: false,
      }
    case "refund":
      return {
        ledger: { ...next, closed, refunded: next.refunded + operation.amount, lines: addLineQuantities(next.lines, operation.lines, "refunded") },
        operation: settled,
        replayed: false,
      }
    case "void":
      return {
        ledger: { ...next, closed, canceled: next.canceled + operation.amount, lines: addLineQuantities(next.lines, operation.lines, "canceled") },
        operation: settled,
        replayed: false,
      }
  }
}

/** Phase two, failure: the PSP refused; the hold is released and the key stays failed. Idempotent. */
export function failOperation(ledger: InstrumentLedger, key: string): OperationOutcome {
  const operation = knownOperation(ledger, key, "fail")
  if (operation.status === "failed") {
    return { ledger, operation, replayed: true }
  }
  if (operation.status === "succeeded" || operation.status === "lapsed") {
    throw new InstrumentStateError("fail", `operation "${key}" already ${operation.status}`)
  }
  const failed: LedgerOperation = { ...operation, status: "failed" }
  return { ledger: withOperation(ledger, failed), operation: failed, replayed: false }
}

/**
 * Phase two, late failure: a capture the PSP had accepted failed after the fact (Digital River
 * `order.charge.capture.failed` on an expired authorization). Nothing was captured, and the held
 * amount and line quantities can no longer be captured: they are voided. Idempotent.
 */
export function lapseOperation(ledger: InstrumentLedger, key: string): OperationOutcome {
  const operation = knownOperation(ledger, key, "lapse")
  if (operation.status === "lapsed") {
    return { ledger, operation, replayed: true }
  }
  if (operation.status !== "pending") {
    throw new InstrumentStateError("lapse", `operation "${key}" already ${operation.status}`)
  }
  if (operation.effect !== "capture") {
    throw new InstrumentStateError("lapse", `only a capture lapses; a ${operation.kind} that fails late has failed`)
  }
  const lapsed: LedgerOperation = { ...operation, status: "lapsed" }
  const next = withOperation(ledger, lapsed)
  return {
    ledger: { ...next, canceled: next.canceled + operation.amount, lines: addLineQuantities(next.lines, operation.lines, "canceled") },
    operation: lapsed,
    replayed: false,
  }
}

/** Both phases at once, for operations whose outcome is known immediately. */
export function applyOperation(ledger: InstrumentLedger, request: OperationRequest): OperationOutcome {
  const begun = beginOperation(ledger, request)
  if (begun.replayed) {
    return begun
  }
  return settleOperation(begun.ledger, request.key)
}

/** Broken invariants, described; empty when the ledger is consistent. */
export function ledgerViolations(ledger: InstrumentLedger): string[] {
  const violations: string[] = []
  const b = balances(ledger)
  const check = (ok: boolean, message: string) => ok || violations.push(message)
  check(b.captured <= b.authorized, `captured ${b.captured} > authorized ${b.authorized}`)
  check(b.refunded <= b.captured, `refunded ${b.refunded} > captured ${b.captured}`)
  check(b.capturable >= 0n, `capturable ${b.capturable} < 0`)
  check(b.pendingCapture <= b.capturable, `pending captures ${b.pendingCapture} > capturable ${b.capturable}`)
  check(b.pendingRefund <= b.refundable, `pending refunds ${b.pendingRefund} > refundable ${b.refundable}`)
  check(b.authorized <= ledger.amount, `authorized ${b.authorized} > instrument amount ${ledger.amount}`)
  for (const line of ledger.lines) {
    check(line.captured + line.canceled <= line.quantity, `line ${line.id}: captured ${line.captured} + canceled ${line.canceled} > ${line.quantity}`)
    check(line.refunded <= line.captured, `line ${line.id}: refunded ${line.refunded} > captured ${line.captured}`)
    check(
      line.captured + line.canceled + pendingLineQuantity(ledger, line.id, "capture") <= line.quantity,
      `line ${line.id}: pending captures exceed the order`
    )
  }
  const settled = (effect: OperationEffect) =>
    ledger.operations.filter((o) => o.status === "succeeded" && o.effect === effect).reduce((t, o) => t + o.amount, 0n)
  const initialCaptured = ledger.origin === "captured" ? ledger.amount : 0n
  check(initialCaptured + settled("capture") === b.captured, "captured differs from the sum of settled captures")
  check(settled("refund") === b.refunded, "refunded differs from the sum of settled refunds")
  const lapsed = ledger.operations.filter((o) => o.status === "lapsed").reduce((t, o) => t + o.amount, 0n)
  check(settled("void") + lapsed === b.canceled, "canceled differs from the sum of settled voids and lapsed captures")
  return violations
}
