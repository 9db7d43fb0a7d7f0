/**
 * The one path from a money operation to the PSP: journal first, then the wire, then the journal
 * again. Used by the providers (Medusa core's captures, refunds and cancels) and by the lifecycle
 * workflows (fulfillment captures, return refunds, reconciliation) alike.
 *
 *   beginOperation (write-ahead row under the idempotency key; the ledger checks the limits)
 *   → connector call with that key → completeOperation | markOperationPending | failOperation
 *
 * A timeout or 5xx leaves the operation `pending` (unknown outcome) and throws
 * OperationPendingError: the reconcile job settles it by asking the PSP. Calling again with the
 * same key never moves money twice: a finished operation is returned as it is, and connectors
 * de-duplicate a repeated key on the PSP's own record.
 */
import { MedusaError } from "@medusajs/framework/utils"
import { PspError, PspUnknownOutcomeError } from "../../connectors/errors"
import type { Connector, PspOrderLine, PspPayment } from "../../connectors/types"
import type { LineQuantity } from "../../lifecycle/ledger"
import { describeAvailableLines, linesForAmount } from "../../lifecycle/line-selection"
import { fromMinorUnits, type MinorUnits } from "../../lifecycle/money"
import type {
  PaymentInstrumentRecord,
  PaymentLedgerModuleService,
  PaymentOperationRecord,
} from "../../modules/payment-ledger"
import { checkoutDataSchema, deserializeLine } from "./session-data"

export type MoneyOperationKind = "capture" | "refund" | "cancel"

export type MoneyOperationRequest = {
  kind: MoneyOperationKind
  /** idempotency key derived from the Medusa id that asked for it */
  key: string
  /** what asked: `fulfillment:<id>`, `return:<id>`, `admin:<capture id>`… */
  origin: string
  /** omitted: the lines' amount, or everything available */
  amount?: MinorUnits
  lines?: LineQuantity[]
  /** the Medusa Capture/Refund this operation is made for, when Medusa asked for it */
  medusaRecordId?: string
}

/** The PSP's answer is unknown (timeout, 5xx): the operation is pending until reconciled. */
export class OperationPendingError extends MedusaError {
  constructor(readonly operation: PaymentOperationRecord, cause: string) {
    super(
      MedusaError.Types.UNEXPECTED_STATE,
      `The PSP's answer to ${operation.kind} ${operation.idempotency_key} is unknown (${cause}); ` +
        "it is recorded as pending and will be settled by the reconcile job. Do not retry it by hand."
    )
  }
}

/** The PSP refused the operation: nothing moved. */
export class OperationRefusedError extends MedusaError {
  constructor(readonly operation: PaymentOperationRecord) {
    super(MedusaError.Types.NOT_ALLOWED, `The PSP refused ${operation.kind} ${operation.idempotency_key}: ${operation.error?.message ?? "no reason given"}`)
  }
}

export type OperationContext = {
  ledger: PaymentLedgerModuleService
  connector: Connector
  instrument: PaymentInstrumentRecord
}

function checkoutLines(instrument: PaymentInstrumentRecord) {
  const parsed = checkoutDataSchema.shape.lines.safeParse((instrument.metadata ?? {}).checkout_lines)
  return parsed.success ? parsed.data.map(deserializeLine) : []
}

/** The PSP lines of an operation: each order line with this operation's quantity and amount. */
function pspLinesOf(instrument: PaymentInstrumentRecord, operation: PaymentOperationRecord): PspOrderLine[] | undefined {
  if (!operation.lines.length) {
    return undefined
  }
  const byReference = new Map(checkoutLines(instrument).map((line) => [line.reference, line]))
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
 * (everything remaining when it is the whole amount). A PSP that moves amounts takes it as is.
 */
async function resolveRequestLines(context: OperationContext, request: MoneyOperationRequest): Promise<LineQuantity[] | undefined> {
  if (request.lines || request.kind === "cancel" || !context.connector.movesMoneyByLines) {
    return request.lines
  }
  const { ledger } = await context.ledger.getInstrumentWithHistory(context.instrument.id)
  if (!ledger.lines.length) {
    return undefined
  }
  const stage = request.kind
  const balance = stage === "capture" ? ledger.authorized - ledger.captured - ledger.canceled : ledger.captured - ledger.refunded
  const amount = request.amount ?? balance
  const lines = linesForAmount(ledger, stage, amount)
  if (!lines) {
    const currency = context.instrument.currency_code
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `${context.connector.psp} ${stage}s whole order lines: ${fromMinorUnits(amount, currency)} ${currency.toUpperCase()} ` +
        `matches no combination of the lines still available (${describeAvailableLines(ledger, stage) || "none"}). ` +
        `${stage === "capture" ? "Capture" : "Refund"} by lines from the order's payment panel instead.`
    )
  }
  return lines
}

function pspActionId(payment: PspPayment, kind: MoneyOperationKind, key: string): string | undefined {
  return payment.actions.find((action) => action.kind === kind && action.key === key)?.id
}

export async function runMoneyOperation(context: OperationContext, request: MoneyOperationRequest): Promise<PaymentOperationRecord> {
  const { ledger, connector, instrument } = context
  if (!instrument.psp_reference) {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Instrument ${instrument.id} has no PSP payment`)
  }
  const lines = await resolveRequestLines(context, request)
  const { operation } = await ledger.beginOperation(instrument.id, {
    idempotency_key: request.key,
    kind: request.kind,
    origin: request.origin,
    ...(request.medusaRecordId ? { medusa_record_id: request.medusaRecordId } : {}),
    ...(request.kind !== "cancel" && request.amount !== undefined && !lines ? { amount: request.amount } : {}),
    ...(lines ? { lines } : {}),
  })
  if (operation.status === "succeeded") {
    return operation
  }
  if (operation.status === "failed") {
    throw new OperationRefusedError(operation)
  }

  const input = {
    key: operation.idempotency_key,
    currency: instrument.currency_code,
    amount: BigInt(operation.amount),
    ...(request.kind !== "cancel" ? { lines: pspLinesOf(instrument, operation) } : {}),
  }
  try {
    const payment =
      request.kind === "capture"
        ? await connector.capture(instrument.psp_reference, input)
        : request.kind === "refund"
          ? await connector.refund(instrument.psp_reference, input)
          : await connector.cancel(instrument.psp_reference, input)
    const { operation: completed } = await ledger.completeOperation(operation.idempotency_key, {
      psp_operation_id: pspActionId(payment, request.kind, operation.idempotency_key) ?? null,
    })
    await ledger.appendPspStatus(instrument.id, { status: payment.rawStatus, source: request.kind })
    return completed
  } catch (error) {
    if (error instanceof PspUnknownOutcomeError) {
      const pending = await ledger.markOperationPending(operation.idempotency_key, {
        error: { code: "unknown_outcome", message: error.message },
      })
      throw new OperationPendingError(pending, error.message)
    }
    if (error instanceof PspError) {
      const failed = await ledger.failOperation(operation.idempotency_key, {
        error: { code: error.details.code ?? `http_${error.details.httpStatus ?? "error"}`, message: error.message },
      })
      throw new OperationRefusedError(failed)
    }
    throw error
  }
}

/**
 * Settles operations whose outcome is unknown by reading the PSP's record: those the PSP shows
 * (by our key) are completed; the others are sent again under the same key, which the connector
 * de-duplicates. Returns the operations still unsettled.
 */
export async function settleUnknownOperations(
  context: OperationContext,
  operations: PaymentOperationRecord[]
): Promise<PaymentOperationRecord[]> {
  const unsettled: PaymentOperationRecord[] = []
  for (const operation of operations) {
    if (operation.status !== "requested" && operation.status !== "pending") {
      continue
    }
    try {
      await runMoneyOperation(context, {
        kind: operation.kind as MoneyOperationKind,
        key: operation.idempotency_key,
        origin: operation.origin ?? "reconcile",
        ...(operation.lines.length ? { lines: operation.lines.map(({ id, quantity }) => ({ id, quantity })) } : { amount: BigInt(operation.amount) }),
      })
    } catch (error) {
      if (error instanceof OperationPendingError) {
        unsettled.push(error.operation)
      } else if (!(error instanceof OperationRefusedError)) {
        throw error
      }
    }
  }
  return unsettled
}
