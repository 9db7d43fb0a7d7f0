import { randomUUID } from "node:crypto"
import { decimalNumber, formatDecimal, sum } from "../../core/money"
import { AMOUNT_SCALE, QUANTITY_SCALE, type CreatePaymentInput, type OrderLineInput } from "./schemas"

export type PaymentStatus = "TASK_REDIRECTION_REQUIRED" | "INSPECTION" | "SUPPLEMENTING_REQUIRED" | "FROZEN" | "ACCEPTED" | "REJECTED"
export type RejectedReason =
  | "UNKNOWN"
  | "TECHNICAL_ERROR"
  | "CREDIT_DENIED"
  | "PAYMENT_FROZEN"
  | "TIMEOUT"
  | "ABORTED_BY_CUSTOMER"
  | "INSUFFICIENT_FUNDS"
  | "CANCELED"
export type ManagementAction = "CAPTURE" | "CANCEL" | "REFUND"
type ActionType = "CREATE" | "MODIFY_ORDER" | ManagementAction

/** A quantity and an amount, both exact (units of 10^-3 and of 0.01). */
type Portion = { quantity: bigint; amount: bigint }

export type Line = {
  description: string
  reference?: string
  quantityUnit?: string
  vatRate: number
  type: OrderLineInput["type"]
  ordered: Portion
  captured: Portion
  canceled: Portion
  refunded: Portion
}

type LoggedLine = Omit<OrderLineInput, "unitAmountIncludingVat" | "totalVatAmount">

export type Action = {
  actionId: string
  type: ActionType
  created: string
  orderLines: LoggedLine[]
  transactionId?: string
  creator?: string
}

export type Payment = {
  id: string
  created: string
  expiresAtMs: number
  storeId: string
  countryCode: string
  paymentMethod: { id: string; name: string }
  request: CreatePaymentInput
  status: PaymentStatus
  rejectedReason?: RejectedReason
  /** Whether the customer finished the hosted flow (the `tasks/status` endpoint). */
  tasksCompleted: boolean
  orderReference: string
  /** The credit granted at creation; added lines may not push the open amount past it ([INFERRED]). */
  creditLimit: bigint
  lines: Line[]
  actionLog: Action[]
}

const ZERO: Portion = { quantity: 0n, amount: 0n }

export function newPayment(input: {
  request: CreatePaymentInput
  countryCode: string
  paymentMethod: { id: string; name: string }
  now: Date
}): Payment {
  const { request, now } = input
  const lines = request.order.orderLines.map(toLine)
  return {
    id: randomUUID(),
    created: now.toISOString(),
    expiresAtMs: now.getTime() + request.options.timeToLiveInMinutes * 60_000,
    storeId: request.storeId,
    countryCode: input.countryCode,
    paymentMethod: input.paymentMethod,
    request,
    status: "TASK_REDIRECTION_REQUIRED",
    tasksCompleted: false,
    orderReference: request.order.orderReference,
    creditLimit: sum(lines.map((line) => line.ordered.amount)),
    lines,
    actionLog: [{ actionId: randomUUID(), type: "CREATE", created: now.toISOString(), orderLines: request.order.orderLines.map(logged) }],
  }
}

function toLine(line: OrderLineInput): Line {
  return {
    description: line.description,
    reference: line.reference,
    quantityUnit: line.quantityUnit,
    vatRate: line.vatRate,
    type: line.type,
    ordered: { quantity: line.quantity, amount: line.totalAmountIncludingVat },
    captured: ZERO,
    canceled: ZERO,
    refunded: ZERO,
  }
}

function logged(line: OrderLineInput): LoggedLine {
  return {
    description: line.description,
    reference: line.reference,
    quantity: line.quantity,
    quantityUnit: line.quantityUnit,
    vatRate: line.vatRate,
    totalAmountIncludingVat: line.totalAmountIncludingVat,
    type: line.type,
  }
}

const add = (a: Portion, b: Portion): Portion => ({ quantity: a.quantity + b.quantity, amount: a.amount + b.amount })
const subtract = (a: Portion, b: Portion): Portion => ({ quantity: a.quantity - b.quantity, amount: a.amount - b.amount })

/** What each action may still touch on a line. */
function available(line: Line, action: ManagementAction): Portion {
  if (action === "REFUND") {
    return subtract(line.captured, line.refunded)
  }
  return subtract(subtract(line.ordered, line.captured), line.canceled)
}

export function totals(payment: Payment) {
  const of = (pick: (line: Line) => Portion) => sum(payment.lines.map((line) => pick(line).amount))
  const total = of((line) => line.ordered)
  const captured = of((line) => line.captured)
  const canceled = of((line) => line.canceled)
  return {
    total,
    captured,
    canceled,
    refunded: of((line) => line.refunded),
    // money still reserved for capture; nothing is reserved until the payment is accepted
    authorized: payment.status === "ACCEPTED" ? total - captured - canceled : 0n,
  }
}

export function possibleActions(payment: Payment): string[] {
  if (payment.status !== "ACCEPTED") {
    return []
  }
  const remains = (action: ManagementAction) => payment.lines.some((line) => available(line, action).amount !== 0n || available(line, action).quantity > 0n)
  const actions: string[] = []
  if (remains("CAPTURE")) {
    actions.push("CAPTURE", "PARTIAL_CAPTURE", "CANCEL", "PARTIAL_CANCEL")
  }
  if (remains("REFUND")) {
    actions.push("REFUND", "PARTIAL_REFUND")
  }
  return actions
}

export type Refusal = { message: string; parameters?: Record<string, string> }

/**
 * Applies a capture, cancel or refund. No lines = everything remaining for that action. Requested lines
 * are matched to order lines by reference (or description when there is none); each may not exceed
 * what is left on its line, in quantity and in amount, and the last units must take the rest of the amount.
 */
export function applyAction(
  payment: Payment,
  action: ManagementAction,
  request: { orderLines?: OrderLineInput[]; transactionId?: string; creator?: string },
  now: Date
): Action | Refusal {
  if (payment.status !== "ACCEPTED") {
    return { message: `Payment ${payment.id} has status ${payment.status}; ${action} needs ACCEPTED` }
  }
  const field = action === "REFUND" ? "refunded" : action === "CAPTURE" ? "captured" : "canceled"
  const changes: Array<{ line: Line; portion: Portion; logged: LoggedLine }> = []

  if (!request.orderLines || request.orderLines.length === 0) {
    for (const line of payment.lines) {
      const portion = available(line, action)
      if (portion.quantity > 0n || portion.amount !== 0n) {
        changes.push({ line, portion, logged: lineFor(line, portion) })
      }
    }
    if (changes.length === 0) {
      return { message: `Nothing left to ${action.toLowerCase()} on payment ${payment.id}` }
    }
  } else {
    const parameters: Record<string, string> = {}
    const pending = new Map<Line, Portion>()
    request.orderLines.forEach((requested, index) => {
      const portion = { quantity: requested.quantity, amount: requested.totalAmountIncludingVat }
      const candidates = payment.lines.filter((line) =>
        requested.reference !== undefined && line.reference !== undefined ? line.reference === requested.reference : line.description === requested.description
      )
      const line = candidates.find((candidate) => fits(subtract(available(candidate, action), pending.get(candidate) ?? ZERO), portion))
      if (candidates.length === 0) {
        parameters[`orderLines[${index}]`] = "does not match any line of the order (by reference, or description)"
      } else if (!line) {
        parameters[`orderLines[${index}]`] = `exceeds what is left to ${action.toLowerCase()} on that line`
      } else {
        pending.set(line, add(pending.get(line) ?? ZERO, portion))
        changes.push({ line, portion, logged: logged(requested) })
      }
    })
    if (Object.keys(parameters).length > 0) {
      return { message: `Invalid order lines for ${action}`, parameters }
    }
  }

  for (const change of changes) {
    change.line[field] = add(change.line[field], change.portion)
  }
  const entry: Action = {
    actionId: randomUUID(),
    type: action,
    created: now.toISOString(),
    orderLines: changes.map((change) => change.logged),
    transactionId: request.transactionId,
    creator: request.creator,
  }
  payment.actionLog.push(entry)
  return entry
}

/**
 * `POST v2/payments/{id}/order`: adds lines (MODIFY_ORDER). The plugins use it after cancelling
 * everything, to replace the order; the open amount may not exceed the credit granted at creation.
 */
export function addLines(payment: Payment, orderLines: OrderLineInput[], creator: string | undefined, now: Date): Action | Refusal {
  if (payment.status !== "ACCEPTED") {
    return { message: `Payment ${payment.id} has status ${payment.status}; adding order lines needs ACCEPTED` }
  }
  const sums = totals(payment)
  const open = sums.total - sums.canceled + sum(orderLines.map((line) => line.totalAmountIncludingVat))
  if (open > payment.creditLimit) {
    return { message: `The order would exceed the granted credit of ${formatDecimal(payment.creditLimit, AMOUNT_SCALE)}` }
  }
  payment.lines.push(...orderLines.map(toLine))
  const entry: Action = { actionId: randomUUID(), type: "MODIFY_ORDER", created: now.toISOString(), orderLines: orderLines.map(logged), creator }
  payment.actionLog.push(entry)
  return entry
}

function fits(left: Portion, requested: Portion): boolean {
  const sameSign = left.amount === 0n || requested.amount === 0n || left.amount > 0n === requested.amount > 0n
  const abs = (value: bigint) => (value < 0n ? -value : value)
  if (!sameSign || requested.quantity > left.quantity || abs(requested.amount) > abs(left.amount)) {
    return false
  }
  // taking the last units must take the rest of the money, so nothing is left stranded on the line
  return requested.quantity < left.quantity || requested.amount === left.amount
}

function lineFor(line: Line, portion: Portion): LoggedLine {
  return {
    description: line.description,
    reference: line.reference,
    quantity: portion.quantity,
    quantityUnit: line.quantityUnit,
    vatRate: line.vatRate,
    totalAmountIncludingVat: portion.amount,
    type: line.type,
  }
}

function lineJson(line: LoggedLine) {
  return {
    description: line.description,
    reference: line.reference,
    quantity: decimalNumber(line.quantity, QUANTITY_SCALE),
    quantityUnit: line.quantityUnit,
    vatRate: line.vatRate,
    totalAmountIncludingVat: decimalNumber(line.totalAmountIncludingVat, AMOUNT_SCALE),
    type: line.type,
  }
}

const money = (minor: bigint) => decimalNumber(minor, AMOUNT_SCALE)

/** The MAPI Payment object (the answer to create, get, capture, cancel and refund). */
export function paymentJson(payment: Payment, customerUrl: string) {
  const sums = totals(payment)
  const { request } = payment
  return {
    id: payment.id,
    created: payment.created,
    storeId: payment.storeId,
    customer: request.customer ?? {},
    status: payment.status,
    rejectedReason: payment.rejectedReason ? { category: payment.rejectedReason } : undefined,
    paymentActions: [],
    paymentMethod: payment.paymentMethod,
    countryCode: payment.countryCode,
    order: {
      orderReference: payment.orderReference,
      actionLog: payment.actionLog.map((action) => ({ ...action, orderLines: action.orderLines.map(lineJson) })),
      possibleActions: possibleActions(payment).map((action) => ({ action })),
      totalOrderAmount: money(sums.total),
      canceledAmount: money(sums.canceled),
      authorizedAmount: money(sums.authorized),
      capturedAmount: money(sums.captured),
      refundedAmount: money(sums.refunded),
    },
    application: null,
    metadata: request.metadata ?? null,
    taskRedirectionUrls: payment.status === "TASK_REDIRECTION_REQUIRED" ? { merchantUrl: null, customerUrl, coApplicantUrl: null } : null,
  }
}

/** Inspection view for `/_sandbox/`: exact decimal strings, per line. */
export function paymentSnapshot(payment: Payment) {
  const sums = totals(payment)
  const amount = (minor: bigint) => formatDecimal(minor, AMOUNT_SCALE)
  const portion = (value: Portion) => ({ quantity: formatDecimal(value.quantity, QUANTITY_SCALE), amount: amount(value.amount) })
  return {
    id: payment.id,
    orderReference: payment.orderReference,
    status: payment.status,
    rejectedReason: payment.rejectedReason ?? null,
    totals: {
      total: amount(sums.total),
      authorized: amount(sums.authorized),
      captured: amount(sums.captured),
      refunded: amount(sums.refunded),
      canceled: amount(sums.canceled),
    },
    lines: payment.lines.map((line) => ({
      description: line.description,
      reference: line.reference ?? null,
      ordered: portion(line.ordered),
      captured: portion(line.captured),
      refunded: portion(line.refunded),
      canceled: portion(line.canceled),
    })),
    actions: payment.actionLog.map((action) => ({ type: action.type, actionId: action.actionId, transactionId: action.transactionId ?? null })),
  }
}
