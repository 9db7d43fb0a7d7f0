/**
 * Pure translation between the connector contract and Resurs MAPI payloads.
 *
 * Amounts: Resurs takes decimal major units with at most 2 decimals, as JSON numbers. They are
 * produced from exact decimal strings (formatDecimal) and read back with parseDecimal; no
 * arithmetic ever happens on the JSON numbers themselves.
 */
import { formatDecimal, parseDecimal } from "../../lifecycle/money"
import type {
  CreateCheckoutInput,
  OrderLineKind,
  PspAction,
  PspOrderLine,
  PspPayment,
  PspPaymentState,
} from "../types"
import type {
  ResursActionLogEntry,
  ResursCreatePaymentRequest,
  ResursManagementRequest,
  ResursOrderLineRequest,
  ResursPayment,
} from "./schemas"

const RESURS_MAX_DECIMALS = 2

/** The key of our payment session id in a Resurs payment's metadata: how a lost create is found again. */
export const SESSION_METADATA_KEY = "medusa_payment_session_id"
const MAX_TEXT = 50

export type ResursCheckoutSettings = {
  storeId: string
  paymentMethodId: string
  handleFrozenPayments: boolean
  timeToLiveInMinutes: number
  /** the `creator` recorded in Resurs's action log for our captures, refunds and cancels */
  creator: string
}

const LINE_TYPE: Record<OrderLineKind, ResursOrderLineRequest["type"]> = {
  product: "NORMAL",
  shipping: "SHIPPING",
  discount: "DISCOUNT",
  fee: "FEE",
}

/** `orderReference` must match ^[\w\-_]{1,36}$ at Resurs. */
export function toResursOrderReference(reference: string): string {
  const cleaned = reference.replace(/[^\w-]/g, "-").slice(0, 36)
  if (!cleaned) {
    throw new Error("Resurs orderReference is empty after removing characters Resurs does not accept")
  }
  return cleaned
}

function resursAmount(minor: bigint, currency: string): number {
  return Number(formatDecimal(minor, currency, RESURS_MAX_DECIMALS))
}

function withQuery(url: string, name: string, value: string): string {
  const parsed = new URL(url)
  parsed.searchParams.set(name, value)
  return parsed.toString()
}

export function toResursOrderLine(line: PspOrderLine, currency: string): ResursOrderLineRequest {
  return {
    description: line.description.slice(0, MAX_TEXT) || line.reference.slice(0, MAX_TEXT),
    reference: line.reference.slice(0, MAX_TEXT),
    quantity: line.quantity,
    quantityUnit: "st",
    vatRate: Number(line.vatRate),
    totalAmountIncludingVat: resursAmount(line.totalAmount, currency),
    type: LINE_TYPE[line.kind],
  }
}

export function toResursCreatePayment(
  input: CreateCheckoutInput,
  settings: ResursCheckoutSettings
): ResursCreatePaymentRequest {
  const customer = input.customer
  return {
    storeId: settings.storeId,
    paymentMethodId: settings.paymentMethodId,
    order: {
      orderReference: toResursOrderReference(input.orderReference),
      orderLines: input.lines.map((line) => toResursOrderLine(line, input.currency)),
    },
    ...(customer && (customer.email || customer.phone)
      ? {
          customer: {
            customerType: "NATURAL" as const,
            ...(customer.email ? { email: customer.email } : {}),
            ...(customer.phone ? { mobilePhone: customer.phone } : {}),
            ...(customer.countryCode || customer.firstName || customer.lastName
              ? {
                  deliveryAddress: {
                    ...(customer.firstName ? { firstName: customer.firstName } : {}),
                    ...(customer.lastName ? { lastName: customer.lastName } : {}),
                    ...(customer.countryCode ? { countryCode: customer.countryCode.toUpperCase() } : {}),
                  },
                }
              : {}),
          },
        }
      : {}),
    metadata: { custom: [{ key: SESSION_METADATA_KEY, value: input.key }] },
    options: {
      initiatedOnCustomersDevice: true,
      handleFrozenPayments: settings.handleFrozenPayments,
      handleManualInspection: false,
      // captures follow fulfillment; Resurs also forbids automaticCapture with handleFrozenPayments
      automaticCapture: false,
      callbacks: {
        authorization: { url: withQuery(input.callbackUrl, "callback", "AUTHORIZATION") },
        management: { url: withQuery(input.callbackUrl, "callback", "MANAGEMENT") },
      },
      redirectionUrls: { customer: { successUrl: input.returnUrls.success, failUrl: input.returnUrls.fail } },
      timeToLiveInMinutes: settings.timeToLiveInMinutes,
    },
  }
}

export function toResursManagementRequest(
  currency: string,
  creator: string,
  lines: PspOrderLine[] | undefined,
  transactionId?: string
): ResursManagementRequest {
  return {
    ...(lines?.length ? { orderLines: lines.map((line) => toResursOrderLine(line, currency)) } : {}),
    creator,
    ...(transactionId ? { transactionId } : {}),
  }
}

const REJECTION_MEANS_CANCELED = new Set(["ABORTED_BY_CUSTOMER", "TIMEOUT", "CANCELED"])

/** Total: every Resurs status lands in exactly one lifecycle state. */
export function resursPaymentState(
  payment: Pick<ResursPayment, "status" | "rejectedReason">,
  amounts: { authorized: bigint; captured: bigint }
): PspPaymentState {
  switch (payment.status) {
    case "TASK_REDIRECTION_REQUIRED":
      return "awaiting_shopper"
    case "INSPECTION":
    case "SUPPLEMENTING_REQUIRED":
    case "FROZEN":
      return "held"
    case "REJECTED":
      return REJECTION_MEANS_CANCELED.has(payment.rejectedReason?.category ?? "") ? "canceled" : "rejected"
    case "ACCEPTED":
      if (amounts.authorized > 0n) {
        return "authorized"
      }
      return amounts.captured > 0n ? "captured" : "canceled"
  }
}

function toAction(entry: ResursActionLogEntry, currency: string): PspAction | undefined {
  const kind = ({ CAPTURE: "capture", REFUND: "refund", CANCEL: "cancel" } as const)[
    entry.type as "CAPTURE" | "REFUND" | "CANCEL"
  ]
  if (!kind) {
    return undefined
  }
  const lines = entry.orderLines.map((line) => ({
    reference: line.reference ?? line.description,
    quantity: line.quantity,
    amount: parseDecimal(line.totalAmountIncludingVat, currency),
  }))
  return {
    id: entry.actionId,
    kind,
    // the actionLog records only what Resurs applied: there are no pending or failed entries
    status: "succeeded",
    // our key, as sent: fitKey(key, 50), see index.ts
    ...(entry.transactionId ? { key: entry.transactionId } : {}),
    amount: lines.reduce((sum, line) => sum + line.amount, 0n),
    lines,
    ...(entry.created ? { createdAt: entry.created } : {}),
  }
}

export function fromResursPayment(payment: ResursPayment, currency: string): PspPayment {
  const order = payment.order
  const authorizedAmount = parseDecimal(order.authorizedAmount, currency)
  const capturedAmount = parseDecimal(order.capturedAmount, currency)
  const state = resursPaymentState(payment, { authorized: authorizedAmount, captured: capturedAmount })
  const customerUrl = payment.taskRedirectionUrls?.customerUrl
  return {
    pspReference: payment.id,
    state,
    rawStatus: payment.rejectedReason ? `${payment.status}:${payment.rejectedReason.category}` : payment.status,
    currency: currency.toLowerCase(),
    totalAmount: parseDecimal(order.totalOrderAmount, currency),
    authorizedAmount,
    capturedAmount,
    refundedAmount: parseDecimal(order.refundedAmount, currency),
    canceledAmount: parseDecimal(order.canceledAmount, currency),
    actions: order.actionLog
      .map((entry) => toAction(entry, currency))
      .filter((action): action is PspAction => action !== undefined),
    ...(customerUrl ? { redirectUrl: customerUrl } : {}),
    ...(payment.rejectedReason ? { rejectedReason: payment.rejectedReason.category } : {}),
  }
}
