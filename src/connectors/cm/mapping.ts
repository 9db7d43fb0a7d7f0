/**
 * Pure translation between the connector contract and CM.com PSP API payloads.
 *
 * One CM order is one PspPayment; each CM payment (an attempt to pay it: a gift card, a card, a
 * failed card) is a tender. Amounts are integer minor units on both sides; bigint here.
 */
import { minorUnitsToSafeNumber } from "../../lifecycle/money"
import type { CreateCheckoutInput, OrderLineKind, PspAction, PspPayment, PspPaymentState, PspTender } from "../types"
import type { CmCreateOrderRequest, CmOrder, CmOrderItemRequest, CmPayment } from "./schemas"

export type CmCheckoutSettings = {
  language: string
  profile?: string
  /** the shopper's time on the menu, in minutes; then CM expires the order */
  expiryMinutes: number
  /** the country sent when the customer has none (CM wants one without a billing address key) */
  defaultCountry: string
  /** methods whose money CM moves at authorization (gift cards, iDEAL): adopted, never captured */
  capturedOnAuthorization: readonly string[]
}

const ITEM_TYPE: Record<OrderLineKind, CmOrderItemRequest["type"]> = {
  product: "PHYSICAL",
  shipping: "SHIPPING_FEE",
  discount: "DISCOUNT",
  fee: "OTHER",
}

const text = (value: string, max: number) => value.slice(0, max)
const bigintOf = (value: number) => BigInt(value)

/** CM's `order_reference` is ours: the checkout key (the payment session id), unique per attempt. */
export function toCmCreateOrder(input: CreateCheckoutInput, settings: CmCheckoutSettings): CmCreateOrderRequest {
  return {
    order_reference: text(input.key, 255),
    description: text(`Order ${input.orderReference}`, 255),
    amount: minorUnitsToSafeNumber(input.amount),
    currency: input.currency.toUpperCase(),
    ...(input.customer?.email ? { email: input.customer.email } : { email: "shopper@example.invalid" }),
    language: settings.language,
    country: (input.customer?.countryCode ?? settings.defaultCountry).toUpperCase(),
    ...(settings.profile ? { profile: settings.profile } : {}),
    expiry: { expire_after: { unit: "MINUTES", duration: settings.expiryMinutes } },
    return_urls: {
      success: input.returnUrls.success,
      pending: input.returnUrls.success,
      canceled: input.returnUrls.fail,
      error: input.returnUrls.fail,
    },
  }
}

/** CM wants `unit_amount × quantity = amount`: a line whose total does not divide goes as 1 unit. */
export function toCmItems(input: CreateCheckoutInput): CmOrderItemRequest[] {
  return input.lines.map((line, index) => {
    const divides = line.quantity > 0 && line.totalAmount % BigInt(line.quantity) === 0n
    const quantity = divides ? line.quantity : 1
    const name = divides ? line.description : `${line.quantity} × ${line.description}`
    return {
      number: index + 1,
      code: text(line.reference, 50) || `line-${index + 1}`,
      name: text(name, 255) || text(line.reference, 255),
      type: ITEM_TYPE[line.kind],
      quantity,
      currency: input.currency.toUpperCase(),
      unit_amount: minorUnitsToSafeNumber(line.totalAmount / BigInt(quantity)),
      amount: minorUnitsToSafeNumber(line.totalAmount),
      ...(/^\d{1,2}(\.\d)?$/.test(line.vatRate) ? { vat_rate: line.vatRate } : {}),
    }
  })
}

const succeeded = (state: string) => state === "CAPTURED" || state === "REFUNDED"

export function capturedOf(payment: CmPayment): bigint {
  return payment.captures.filter((movement) => succeeded(movement.state)).reduce((total, movement) => total + bigintOf(movement.amount), 0n)
}

export function refundedOf(payment: CmPayment): bigint {
  return payment.refunds.filter((movement) => succeeded(movement.state)).reduce((total, movement) => total + bigintOf(movement.amount), 0n)
}

const isAuthorized = (payment: CmPayment) => payment.authorization.state === "AUTHORIZED"

export function toTender(payment: CmPayment, capturedOnAuthorization: readonly string[]): PspTender {
  return {
    id: payment.id,
    method: payment.method,
    authorizedAmount: isAuthorized(payment) ? bigintOf(payment.authorization.amount) : 0n,
    capturedAmount: capturedOf(payment),
    refundedAmount: refundedOf(payment),
    capturedAtAuthorization: capturedOnAuthorization.includes(payment.method.toUpperCase()),
  }
}

function toActions(payment: CmPayment): PspAction[] {
  const movements = (kind: "capture" | "refund", list: CmPayment["captures"]) =>
    list.map(
      (movement, index): PspAction => ({
        // the sandbox and CM's answers carry an id; an entry without one gets a stable one
        id: movement.id ?? `${payment.id}:${kind}:${index}`,
        kind,
        status: succeeded(movement.state) ? "succeeded" : movement.state === "FAILED" ? "failed" : "pending",
        // our key as CM keeps it: capture `reference`, refund `refund_reference` (fitKey, 50)
        ...(movement.reference ? { key: movement.reference } : {}),
        amount: bigintOf(movement.amount),
        lines: [],
        tenderId: payment.id,
        ...(movement.date_last_modified ? { createdAt: movement.date_last_modified } : {}),
      })
    )
  return [...movements("capture", payment.captures), ...movements("refund", payment.refunds)]
}

/**
 * Total: every CM order lands in one state.
 *   an authorized payment covers the order → authorized (captured once nothing is left to capture)
 *   part of it authorized → held: the shopper still has to pay the rest on the menu
 *   nothing authorized: expired → canceled; the last attempt canceled by the shopper → canceled;
 *   the last attempt declined → rejected; otherwise (no attempt yet, one under way) → awaiting_shopper
 */
export function cmOrderState(order: CmOrder, now: Date): PspPaymentState {
  const authorized = order.payments.filter(isAuthorized)
  const authorizedTotal = authorized.reduce((total, payment) => total + bigintOf(payment.authorization.amount), 0n)
  if (authorized.length > 0 && authorizedTotal >= bigintOf(order.amount)) {
    const capturable = authorized.reduce((total, payment) => total + bigintOf(payment.authorization.amount) - capturedOf(payment), 0n)
    return capturable > 0n ? "authorized" : "captured"
  }
  const expired = order.expires_on !== undefined && Date.parse(order.expires_on) <= now.getTime()
  if (authorized.length > 0) {
    return expired ? "canceled" : "held"
  }
  if (expired) {
    return "canceled"
  }
  const last = order.payments.at(-1)
  if (!last || last.authorization.state !== "CANCELED") {
    return "awaiting_shopper"
  }
  return /cancel(l)?ed by (the )?shopper/i.test(last.authorization.reason ?? "") ? "canceled" : "rejected"
}

export function fromCmOrder(order: CmOrder, settings: Pick<CmCheckoutSettings, "capturedOnAuthorization">, now: Date = new Date()): PspPayment {
  const tenders = order.payments.map((payment) => toTender(payment, settings.capturedOnAuthorization))
  const state = cmOrderState(order, now)
  const captured = tenders.reduce((total, tender) => total + tender.capturedAmount, 0n)
  const reserved = tenders.reduce((total, tender) => total + (tender.authorizedAmount > tender.capturedAmount ? tender.authorizedAmount - tender.capturedAmount : 0n), 0n)
  const safe = order.considered_safe?.level === "SAFE"
  const last = order.payments.at(-1)
  const rawStatus = [
    `order:${state === "authorized" || state === "captured" ? "AUTHORIZED" : state === "held" ? "PARTIALLY_AUTHORIZED" : "OPEN"}`,
    `safe:${order.considered_safe?.level ?? "NO"}`,
    ...order.payments.map((payment) => `${payment.method}:${payment.authorization.state}`),
  ].join(" ")
  return {
    pspReference: order.order_key,
    state,
    rawStatus,
    currency: order.currency.toLowerCase(),
    totalAmount: bigintOf(order.amount),
    authorizedAmount: state === "canceled" ? 0n : reserved,
    capturedAmount: captured,
    refundedAmount: tenders.reduce((total, tender) => total + tender.refundedAmount, 0n),
    // CM has no cancel: what an expired order no longer reserves is its canceled amount
    canceledAmount: state === "canceled" ? reserved : 0n,
    actions: order.payments.flatMap(toActions),
    ...(state === "authorized" || state === "captured" ? { safeToShip: safe } : {}),
    tenders,
    ...(state === "rejected" && last?.authorization.reason ? { rejectedReason: last.authorization.reason } : {}),
  }
}

/**
 * Which tender a capture or refund goes to (README "Tenders"): a capture to the authorized
 * tenders with money left to capture, gift cards (captured at authorization) first; a refund to
 * the tenders with captured money not refunded, in reverse. One operation goes to one tender: the
 * first that can take the whole amount. An amount no single tender can take is refused, naming
 * the tenders and what each could take.
 */
export function chooseTender(
  kind: "capture" | "refund",
  tenders: readonly PspTender[],
  amount: bigint
): { tender: PspTender } | { refused: string } {
  const room = (tender: PspTender) =>
    kind === "capture"
      ? tender.authorizedAmount > tender.capturedAmount
        ? tender.authorizedAmount - tender.capturedAmount
        : 0n
      : tender.capturedAmount - tender.refundedAmount
  const ordered = [...tenders].sort((a, b) => Number(b.capturedAtAuthorization) - Number(a.capturedAtAuthorization))
  const candidates = (kind === "capture" ? ordered : ordered.reverse()).filter((tender) => room(tender) > 0n)
  const tender = candidates.find((candidate) => room(candidate) >= amount)
  if (tender) {
    return { tender }
  }
  const listed = candidates.map((candidate) => `${candidate.method} ${candidate.id}: ${room(candidate)}`).join(", ") || "none"
  return {
    refused: `no single CM.com payment can take a ${kind} of ${amount} (minor units); ${kind === "capture" ? "capturable" : "refundable"} per payment: ${listed}. Medusa's own ${kind} goes to one payment: use the order's PSP payment card in the admin, which splits it across payments`,
  }
}
