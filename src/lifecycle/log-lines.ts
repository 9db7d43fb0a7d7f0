/**
 * The plugin's log lines for what a shop owner or support reads back: one line per money
 * operation outcome and per callback outcome, `event key=value …`, bounded in length, printable,
 * and never a secret (fields named like one are dropped, whatever their value).
 *
 * Levels: info for what went as it should (a refused capture or a declined payment is business,
 * not an error of the shop); warn for what settles later or needs a look (unknown outcomes,
 * lapsed captures, failures after the PSP accepted, rejected callbacks); error only for what the
 * shop must act on (the PSP refuses our credentials, a callback could not be stored); debug for
 * repeats (duplicate or ignored callbacks).
 */
import { fromMinorUnits } from "./money"

export type LogLevel = "debug" | "info" | "warn" | "error"
export type LogLine = { level: LogLevel; text: string }
export type LogFields = Record<string, string | number | boolean | null | undefined>

/** Field names never printed, in any case or spelling (`clientSecret`, `x-api-key`, `Authorization`…). */
const SECRET_FIELD = /pass(word)?|secret|token|auth|api[-_]?key|signature|credential|cookie|session[-_]?data|card|cvc|iban/i
const MAX_VALUE = 120
export const MAX_LINE = 500

function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, "?")
}

function formatValue(value: string | number | boolean): string {
  let text = printable(String(value))
  if (text.length > MAX_VALUE) {
    text = `${text.slice(0, MAX_VALUE)}…`
  }
  // quoted when it would not read as one token
  return /^[^\s"=]+$/.test(text) ? text : `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`
}

/** `event key=value …`: empty fields and secret-named fields left out, every value bounded, the line too. */
export function formatLogLine(event: string, fields: LogFields): string {
  const parts = [printable(event)]
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null || value === "" || SECRET_FIELD.test(key) || !/^[a-z][a-z0-9_]*$/i.test(key)) {
      continue
    }
    parts.push(`${key}=${formatValue(value)}`)
  }
  const line = parts.join(" ")
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line
}

/** What a line needs of a payment instrument (src/modules/payment-ledger). */
export type LoggedInstrument = {
  id: string
  provider_id: string
  psp_reference: string | null
  payment_id: string | null
  currency_code: string
  metadata?: Record<string, unknown> | null
}

/** What a line needs of a money operation. */
export type LoggedOperation = {
  kind: string
  status: string
  idempotency_key: string
  origin?: string | null
  amount: string
  psp_operation_ids?: string[] | null
  error?: { code?: string; message?: string } | null
}

function instrumentFields(instrument: LoggedInstrument): LogFields {
  const orderId = instrument.metadata?.order_id
  return {
    provider: instrument.provider_id,
    order: typeof orderId === "string" ? orderId : undefined,
    payment: instrument.payment_id,
    instrument: instrument.id,
    psp_ref: instrument.psp_reference,
  }
}

/** The PSP refuses our credentials: nothing will move until the shop fixes its configuration. */
const CREDENTIALS_REFUSED = /\b(401|403)\b|authenticat|unauthori[sz]ed|forbidden|credential|invalid_client/i

function amountText(operation: LoggedOperation, currency: string): string | undefined {
  try {
    return `${fromMinorUnits(BigInt(operation.amount), currency)} ${currency.toUpperCase()}`
  } catch {
    return operation.amount
  }
}

/**
 * The line for an operation whose status just changed from `previousStatus` (`requested` for a
 * fresh one); undefined when nothing changed (a repeated settle of an operation still waiting).
 */
export function operationOutcomeLine(instrument: LoggedInstrument, operation: LoggedOperation, previousStatus: string): LogLine | undefined {
  if (operation.status === previousStatus) {
    return undefined
  }
  const error = operation.error ?? undefined
  let level: LogLevel
  let outcome = operation.status
  switch (operation.status) {
    case "succeeded":
    case "accepted":
      level = "info"
      break
    case "failed":
      // refused outright: the PSP moved nothing, a business answer; after it had accepted: look
      level = previousStatus === "accepted" ? "warn" : "info"
      outcome = previousStatus === "accepted" ? "failed_after_acceptance" : "failed"
      break
    case "lapsed":
      level = "warn"
      break
    case "unknown":
      level = CREDENTIALS_REFUSED.test(`${error?.code ?? ""} ${error?.message ?? ""}`) ? "error" : "warn"
      break
    default:
      level = "debug"
  }
  return {
    level,
    text: formatLogLine(`payment ${operation.kind} ${outcome}`, {
      ...instrumentFields(instrument),
      key: operation.idempotency_key,
      origin: operation.origin,
      amount: amountText(operation, instrument.currency_code),
      psp_operation: operation.psp_operation_ids?.join(","),
      was: previousStatus,
      error_code: error?.code,
      reason: error?.message,
      action: level === "error" ? "check the provider's credentials" : operation.status === "unknown" ? "settled by reading the PSP later" : undefined,
    }),
  }
}

export type CallbackOutcome =
  /** verified as far as the protocol allows, stored once, a sync asked for */
  | "stored"
  /** a ping or hint without an identity: not stored, a sync asked for */
  | "sync_requested"
  | "duplicate"
  /** taken, not acted on (an event the connector does not handle, an unknown payment the PSP must not retry) */
  | "ignored"
  /** refused: bad signature or header (401), malformed (400/415), unknown payment or provider (404) */
  | "rejected"
  /** could not be stored (the database): answered 503 so that the PSP delivers it again */
  | "not_stored"
  /** processed later by the sync, which failed: the reconcile job retries */
  | "sync_failed"

const CALLBACK_LEVELS: Record<CallbackOutcome, LogLevel> = {
  stored: "info",
  sync_requested: "debug",
  duplicate: "debug",
  ignored: "debug",
  rejected: "warn",
  not_stored: "error",
  sync_failed: "warn",
}

/** The line for one callback's outcome: `instrument` when the payment is known (a record, or only its id), else the `reference` the callback named. */
export function callbackOutcomeLine(
  outcome: CallbackOutcome,
  details: { provider?: string; instrument?: LoggedInstrument | string | null; http?: number; event?: string; verified?: boolean; reference?: string; reason?: string }
): LogLine {
  const { instrument } = details
  return {
    level: CALLBACK_LEVELS[outcome],
    text: formatLogLine(`psp callback ${outcome}`, {
      ...(instrument && typeof instrument === "object"
        ? instrumentFields(instrument)
        : { provider: details.provider, instrument: instrument ?? undefined, psp_ref: details.reference }),
      http: details.http,
      event: details.event,
      verified: details.verified,
      reason: details.reason,
    }),
  }
}

/** Writes a line to a Medusa logger (or anything with the four levels). */
export function writeLogLine(logger: Record<LogLevel, (message: string) => unknown>, line: LogLine | undefined): void {
  if (line) {
    logger[line.level](line.text)
  }
}
