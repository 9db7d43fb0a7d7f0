import { randomUUID } from "node:crypto"
import { decimalNumber, formatDecimal, sum } from "../../core/money"
import { AMOUNT_SCALE, type CreateOrderInput, type OperationInput } from "./schemas"

/** Checkout statuses from the docs (approved, confirmed, denied, on_hold); `pending` and `cancelled` are [INFERRED]. */
export type OrderStatus = "pending" | "approved" | "confirmed" | "denied" | "on_hold" | "cancelled"
export type OperationKind = "capture" | "refund"

type Units = { units: number; amount: bigint }

export type Item = {
  id: string
  article: CreateOrderInput["cart"]["items"][number]["article"]
  units: number
  total: bigint
  captured: Units
  refunded: Units
  /** Units and money in operations the lender has not confirmed yet; they count against what is left. */
  pendingCapture: Units
  pendingRefund: Units
}

export type Operation = {
  id: string
  kind: OperationKind
  status: "pending" | "confirmed" | "rejected"
  transactional: boolean
  items: Array<{ id: string; units: number; amount: bigint }>
  amount: bigint
  createdAt: string
  settledAt?: string
}

export type Order = {
  id: string
  createdAt: string
  status: OrderStatus
  request: CreateOrderInput
  items: Item[]
  operations: Operation[]
  /** Refunds by amount (no items), allowed by Nemuru's refund API. */
  amountRefunded: bigint
  amountRefundPending: bigint
}

const NONE: Units = { units: 0, amount: 0n }

export function newOrder(request: CreateOrderInput, now: Date): Order {
  return {
    id: randomUUID(),
    createdAt: now.toISOString(),
    status: "pending",
    request,
    items: request.cart.items.map((item) => ({
      id: randomUUID(),
      article: item.article,
      units: item.units,
      total: item.total_price_with_tax,
      captured: NONE,
      refunded: NONE,
      pendingCapture: NONE,
      pendingRefund: NONE,
    })),
    operations: [],
    amountRefunded: 0n,
    amountRefundPending: 0n,
  }
}

const plus = (a: Units, b: Units): Units => ({ units: a.units + b.units, amount: a.amount + b.amount })
const minus = (a: Units, b: Units): Units => ({ units: a.units - b.units, amount: a.amount - b.amount })

function capturable(item: Item): Units {
  return minus(minus({ units: item.units, amount: item.total }, item.captured), item.pendingCapture)
}

function refundable(item: Item): Units {
  return minus(minus(item.captured, item.refunded), item.pendingRefund)
}

export function totals(order: Order) {
  const of = (pick: (item: Item) => Units) => sum(order.items.map((item) => pick(item).amount))
  const total = of((item) => ({ units: item.units, amount: item.total }))
  const captured = of((item) => item.captured)
  return {
    total,
    captured,
    refunded: of((item) => item.refunded) + order.amountRefunded,
    pendingCapture: of((item) => item.pendingCapture),
    pendingRefund: of((item) => item.pendingRefund) + order.amountRefundPending,
    canceled: order.status === "cancelled" ? total - captured : 0n,
  }
}

/**
 * Starts a capture or refund: the money is reserved as pending until the lender confirms or rejects.
 * `k` of an item's remaining `n` units cost `total × k / units` (floored), and the last units take
 * whatever is left, so an item never strands or overshoots a cent.
 */
export function startOperation(order: Order, kind: OperationKind, input: OperationInput, now: Date): Operation | { problem: string } {
  if (order.status !== "confirmed") {
    return { problem: `Order ${order.id} is ${order.status}; a ${kind} needs a confirmed order` }
  }
  if (kind === "capture" && input.amount !== undefined) {
    return { problem: "A capture refers to items, not an amount" }
  }
  if (input.items === undefined && input.amount === undefined) {
    return { problem: `A ${kind} needs items (or, for a refund, an amount)` }
  }
  const operation: Operation = { id: randomUUID(), kind, status: "pending", transactional: input.transactional, items: [], amount: 0n, createdAt: now.toISOString() }

  if (input.items) {
    const wanted = new Map<Item, number>()
    for (const requested of input.items) {
      const item = order.items.find((candidate) => candidate.id === requested.id)
      if (!item) {
        return { problem: `Item ${requested.id} is not part of order ${order.id}` }
      }
      const left = kind === "capture" ? capturable(item) : refundable(item)
      const units = (wanted.get(item) ?? 0) + (requested.units ?? left.units)
      if (units <= 0 || units > left.units) {
        return { problem: `Item ${requested.id}: ${units} unit(s) requested, ${left.units} left to ${kind}` }
      }
      wanted.set(item, units)
    }
    for (const [item, units] of wanted) {
      const left = kind === "capture" ? capturable(item) : refundable(item)
      const amount = units === left.units ? left.amount : (item.total * BigInt(units)) / BigInt(item.units)
      operation.items.push({ id: item.id, units, amount })
      if (kind === "capture") {
        item.pendingCapture = plus(item.pendingCapture, { units, amount })
      } else {
        item.pendingRefund = plus(item.pendingRefund, { units, amount })
      }
    }
    operation.amount = sum(operation.items.map((item) => item.amount))
  } else {
    const sums = totals(order)
    const left = sums.captured - sums.refunded - sums.pendingRefund
    if (input.amount! <= 0n || input.amount! > left) {
      return { problem: `Refund of ${formatDecimal(input.amount!, AMOUNT_SCALE)} exceeds the ${formatDecimal(left, AMOUNT_SCALE)} left to refund` }
    }
    operation.amount = input.amount!
    order.amountRefundPending += operation.amount
  }
  order.operations.push(operation)
  return operation
}

/** The lender's answer: confirmed moves pending money to captured/refunded; rejected releases it. */
export function settleOperation(order: Order, operation: Operation, confirmed: boolean, now: Date): void {
  if (operation.status !== "pending") {
    return
  }
  operation.status = confirmed ? "confirmed" : "rejected"
  operation.settledAt = now.toISOString()
  for (const line of operation.items) {
    const item = order.items.find((candidate) => candidate.id === line.id)!
    const portion = { units: line.units, amount: line.amount }
    if (operation.kind === "capture") {
      item.pendingCapture = minus(item.pendingCapture, portion)
      item.captured = confirmed ? plus(item.captured, portion) : item.captured
    } else {
      item.pendingRefund = minus(item.pendingRefund, portion)
      item.refunded = confirmed ? plus(item.refunded, portion) : item.refunded
    }
  }
  if (operation.items.length === 0) {
    order.amountRefundPending -= operation.amount
    order.amountRefunded += confirmed ? operation.amount : 0n
  }
}

const money = (minor: bigint) => decimalNumber(minor, AMOUNT_SCALE)

export function operationJson(order: Order, operation: Operation) {
  return {
    id: operation.id,
    order_id: order.id,
    type: operation.kind,
    status: operation.status,
    transactional: operation.transactional,
    amount: money(operation.amount),
    items: operation.items.map((item) => ({ id: item.id, units: item.units, amount: money(item.amount) })),
    created_at: operation.createdAt,
    settled_at: operation.settledAt ?? null,
  }
}

/** [INFERRED] the order as `GET /v2/order/{id}/` returns it: item ids, statuses and amounts. */
export function orderJson(order: Order, redirectUrl: string) {
  const sums = totals(order)
  const { request } = order
  return {
    order_id: order.id,
    status: order.status,
    product: request.product,
    created_at: order.createdAt,
    redirect_url: redirectUrl,
    merchant: { order_reference_1: request.merchant.order_reference_1, order_reference_2: request.merchant.order_reference_2 ?? null },
    customer: request.customer ?? null,
    cart: {
      reference: request.cart.reference,
      currency: request.cart.currency,
      total_price_with_tax: money(sums.total),
      items: order.items.map((item) => ({
        id: item.id,
        article: { ...item.article, unit_price_with_tax: money(item.article.unit_price_with_tax) },
        units: item.units,
        total_price_with_tax: money(item.total),
        captured_units: item.captured.units,
        refunded_units: item.refunded.units,
      })),
    },
    captured_amount: money(sums.captured),
    refunded_amount: money(sums.refunded),
    captures: order.operations.filter((operation) => operation.kind === "capture").map((operation) => operationJson(order, operation)),
    refunds: order.operations.filter((operation) => operation.kind === "refund").map((operation) => operationJson(order, operation)),
  }
}

export function orderSnapshot(order: Order) {
  const sums = totals(order)
  const amount = (minor: bigint) => formatDecimal(minor, AMOUNT_SCALE)
  const units = (value: Units) => ({ units: value.units, amount: amount(value.amount) })
  return {
    id: order.id,
    reference: order.request.merchant.order_reference_1,
    status: order.status,
    totals: {
      total: amount(sums.total),
      authorized: amount(order.status === "confirmed" || order.status === "approved" ? sums.total - sums.captured - sums.pendingCapture : 0n),
      captured: amount(sums.captured),
      refunded: amount(sums.refunded),
      canceled: amount(sums.canceled),
      pendingCapture: amount(sums.pendingCapture),
      pendingRefund: amount(sums.pendingRefund),
    },
    lines: order.items.map((item) => ({
      id: item.id,
      name: item.article.name,
      ordered: { units: item.units, amount: amount(item.total) },
      captured: units(item.captured),
      refunded: units(item.refunded),
      pendingCapture: units(item.pendingCapture),
      pendingRefund: units(item.pendingRefund),
    })),
    operations: order.operations.map((operation) => ({ id: operation.id, type: operation.kind, status: operation.status, amount: amount(operation.amount) })),
  }
}
