import { randomUUID } from "node:crypto"
import { z } from "zod"
import { controlError, parseControlBody } from "../../core/control"
import { OutcomeOverrides } from "../../core/faults"
import { hostedDecisionSchema, renderHostedPage, type HostedDecision, type ShopperOutcome } from "../../core/hosted-page"
import { basicCredentials, html, json, redirect, ResponseError, type SandboxRequest, type SandboxResponse } from "../../core/http"
import { formatDecimal, sum } from "../../core/money"
import { definePsp, type SandboxContext } from "../../core/psp"
import type { Route } from "../../core/router"
import { issuesByPath } from "../../core/zod-money"
import { capturable, fullyAuthorized, orderJson, orderSnapshot, paymentId, refundable, remaining, type Order, type Payment, type SafeLevel } from "./order"
import {
  captureSchema,
  cmOptionsSchema,
  createOrderSchema,
  orderItemSchema,
  paymentMethodSchema,
  refundSchema,
  shopperSchema,
  startPaymentSchema,
  type CmOptions,
  type PaymentMethod,
} from "./schemas"

const PSP = "cm"
const API = "/cm/ps/api/public/v1/merchants/:merchantKey"
const MENU = "/cm/ps/menu"

/** [INFERRED] CM's REST error body is not in the sources: `{message, errors?: [{field, message}]}`. */
function cmError(status: number, message: string, errors?: Record<string, string>): SandboxResponse {
  return json(status, { message, ...(errors ? { errors: Object.entries(errors).map(([field, text]) => ({ field, message: text })) } : {}) })
}

const fail = (status: number, message: string, errors?: Record<string, string>): never => {
  throw new ResponseError(cmError(status, message, errors))
}

/** The next authorizations' outcome (fault injection): declined, authorized but not yet safe, or safe at level FAST. */
const authorizationOutcomeSchema = z.enum(["declined", "not-safe", "fast"])
type AuthorizationOutcome = z.infer<typeof authorizationOutcomeSchema>

type MenuChoice = { decision: HostedDecision; method?: PaymentMethod; giftCardAmount?: bigint; paymentId?: string }

const EXPIRY_MINUTES = { MINUTES: 1, HOURS: 60, DAYS: 24 * 60 } as const

function createCm(context: SandboxContext, options: CmOptions) {
  const { clock, callbacks } = context
  const orders = new Map<string, Order>()
  const shoppers = new Map<string, { shopperKey: string; merchantKey: string; reference: string }>()
  const updateUrls = new Map<string, string | undefined>()
  const outcomes = new OutcomeOverrides<AuthorizationOutcome>()
  const restoreUpdateUrls = () => {
    updateUrls.clear()
    options.merchants.forEach((merchant) => updateUrls.set(merchant.key, merchant.updateUrl))
  }
  restoreUpdateUrls()

  const now = () => clock.now()

  function parse<Schema extends z.ZodType>(schema: Schema, request: SandboxRequest): z.output<Schema> {
    if (request.bodyError) {
      fail(400, request.bodyError)
    }
    const result = schema.safeParse(request.body ?? {})
    if (!result.success) {
      return fail(400, "Invalid request", issuesByPath(result.error, "dotted"))
    }
    return result.data
  }

  /** Basic `merchant_name:password`; the merchant key in the path must be that merchant's. */
  function authenticate(request: SandboxRequest): string {
    const credentials = basicCredentials(request.headers)
    const merchant = options.merchants.find((candidate) => candidate.name === credentials?.user && candidate.password === credentials?.password)
    if (!merchant) {
      return fail(401, "Unauthorized")
    }
    if (merchant.key !== request.params.merchantKey) {
      return fail(404, `Merchant key ${request.params.merchantKey} not found`)
    }
    return merchant.key
  }

  /** An order of this merchant; expires lazily once its time is up. */
  function load(merchantKey: string, orderKey: string): Order {
    const order = orders.get(orderKey)
    if (!order || order.merchantKey !== merchantKey) {
      return fail(404, `Order ${orderKey} not found`)
    }
    if (!order.expired && !fullyAuthorized(order) && now() >= order.expiresAt) {
      expire(order)
    }
    return order
  }

  /** The Status Change Notification: a bare GET of the Update URL with `?id=<order_reference>`, no status, no signature. */
  function notify(order: Order, event: string): void {
    const base = updateUrls.get(order.merchantKey)
    if (!base) {
      return
    }
    const url = new URL(base)
    url.searchParams.set("id", order.request.order_reference)
    callbacks.send({ psp: PSP, event, reference: order.key, url: url.toString(), method: "GET" })
  }

  function expire(order: Order): void {
    order.expired = true
    const started = order.payments.filter((payment) => payment.state === "REDIRECTED_FOR_AUTHENTICATION")
    started.forEach((payment) => cancelPayment(payment, "Order expired"))
    notify(order, "order.expired")
  }

  function cancelPayment(payment: Payment, reason: string): void {
    payment.state = "CANCELED"
    payment.reason = reason
    payment.confidence = undefined
  }

  function newPayment(order: Order, method: PaymentMethod, amount: bigint): Payment {
    const payment: Payment = { id: paymentId(), method, amount, state: "REDIRECTED_FOR_AUTHENTICATION", held: false, captures: [], refunds: [], createdAt: now().toISOString() }
    order.payments.push(payment)
    return payment
  }

  function capture(payment: Payment, amount: bigint, reference?: string): void {
    payment.captures.push({ id: randomUUID(), amount, state: "CAPTURED", date: now().toISOString(), reference })
  }

  /** Some methods move the money at authorization; a held payment waits for the risk check first. */
  function settleOnAuthorization(payment: Payment): void {
    if (!payment.held && options.capturedOnAuthorization.includes(payment.method) && capturable(payment) > 0n) {
      capture(payment, capturable(payment))
    }
  }

  function authorize(order: Order, payment: Payment, held: boolean): void {
    payment.state = "AUTHORIZED"
    payment.held = held
    payment.confidence = held ? "ACQUIRER_PENDING" : "ACQUIRER_APPROVED"
    payment.reason = undefined
    settleOnAuthorization(payment)
  }

  /** Considered safe once fully authorized and nothing is held by the risk check. */
  function reviewSafety(order: Order, level: SafeLevel): void {
    const held = order.payments.some((payment) => payment.state === "AUTHORIZED" && payment.held)
    if (!order.consideredSafe && fullyAuthorized(order) && !held) {
      order.consideredSafe = { level, timestamp: now().toISOString() }
    }
  }

  /** The shopper's choice on the menu; returns where CM sends the browser, or nothing to stay on the menu. */
  function decide(order: Order, choice: MenuChoice): string | undefined {
    const urls = order.request.return_urls ?? {}
    const started = order.payments.filter((payment) => payment.state === "REDIRECTED_FOR_AUTHENTICATION")
    if (choice.decision === "abandon") {
      started.forEach((payment) => cancelPayment(payment, "Canceled by shopper"))
      if (started.length > 0) {
        notify(order, "payment.canceled")
      }
      return urls.canceled
    }
    if (choice.decision === "approve" && choice.giftCardAmount !== undefined && choice.giftCardAmount > 0n) {
      const giftCard = newPayment(order, "GIFTCARD", choice.giftCardAmount < remaining(order) ? choice.giftCardAmount : remaining(order))
      authorize(order, giftCard, false)
      notify(order, "payment.authorized")
    }
    if (fullyAuthorized(order)) {
      reviewSafety(order, "SAFE")
      return urls.success
    }
    const payment =
      started.find((candidate) => candidate.id === choice.paymentId) ?? started.at(-1) ?? newPayment(order, choice.method ?? options.defaultMethod, remaining(order))
    if (payment.amount > remaining(order)) {
      payment.amount = remaining(order)
    }
    const override = choice.decision === "approve" ? outcomes.take() : undefined
    const decision = override === "declined" ? "decline" : override === "not-safe" ? "hold" : choice.decision
    if (decision === "decline") {
      cancelPayment(payment, "01 - Card authentication failed")
      notify(order, "payment.canceled")
      return options.declineRedirectsToErrorUrl ? urls.error : undefined
    }
    authorize(order, payment, decision === "hold")
    reviewSafety(order, override === "fast" ? "FAST" : "SAFE")
    notify(order, "payment.authorized")
    if (!fullyAuthorized(order)) {
      return undefined // a partial payment: the shopper pays the rest on the menu
    }
    return decision === "hold" ? urls.pending : urls.success
  }

  const menuUrl = (order: Order, payment?: Payment) => `${context.publicUrl()}${MENU}/${order.key}${payment ? `?payment_id=${payment.id}` : ""}`

  function menuPage(order: Order, paymentIdParam: string | null): SandboxResponse {
    const money = (minor: bigint) => formatDecimal(minor, 2)
    const open = !order.expired && !fullyAuthorized(order)
    const lines = order.items.length
      ? order.items.map((item) => ({ description: item.name, quantity: String(item.quantity), amount: money(BigInt(item.amount)) }))
      : [{ description: order.request.description, quantity: "1", amount: money(BigInt(order.request.amount)) }]
    const paid = order.payments.filter((payment) => payment.state === "AUTHORIZED")
    const lastCanceled = order.payments.at(-1)?.state === "CANCELED" ? ", the last payment failed" : ""
    const status = open
      ? `${paid.length ? `paid ${money(sum(paid.map((payment) => payment.amount)))}, ` : ""}to pay ${money(remaining(order))}${lastCanceled}`
      : order.expired && !fullyAuthorized(order)
        ? "EXPIRED"
        : order.consideredSafe
          ? `AUTHORIZED, considered safe (${order.consideredSafe.level})`
          : "AUTHORIZED, not yet considered safe"
    const outcome: ShopperOutcome = open
      ? paid.length ? "partly_paid" : lastCanceled ? "retry" : "awaiting_payment"
      : order.expired && !fullyAuthorized(order)
        ? "expired"
        : order.consideredSafe ? "approved" : "in_review"
    return html(
      200,
      renderHostedPage({
        pspTitle: "CM.com Payments",
        heading: order.request.description,
        reference: order.request.order_reference,
        currency: order.request.currency,
        lines,
        total: money(BigInt(order.request.amount)),
        outcome,
        status,
        form: open ? { action: `${MENU}/${order.key}${paymentIdParam ? `?payment_id=${encodeURIComponent(paymentIdParam)}` : ""}`, holdLabel: "Pay (not yet safe)" } : undefined,
      })
    )
  }

  const notFoundPage = () => html(404, "<!doctype html><title>Not found</title><p>Unknown order</p>")

  /** A capture or refund: the merchant's order, the payment in the path, and a body in the order's currency. */
  function paymentOperation<Schema extends z.ZodType<{ currency: string }>>(request: SandboxRequest, schema: Schema) {
    const order = load(authenticate(request), request.params.orderKey)
    const payment = order.payments.find((candidate) => candidate.id === request.params.paymentId) ?? fail(404, `Payment ${request.params.paymentId} not found`)
    const body = parse(schema, request)
    if (body.currency !== order.request.currency) {
      fail(400, "Invalid request", { currency: `must be the order's currency ${order.request.currency}` })
    }
    return { order, payment, body }
  }

  const routes: Route[] = [
    {
      method: "POST",
      pattern: `${API}/orders`,
      name: "create-order",
      handler: (request) => {
        const merchantKey = authenticate(request)
        const body = parse(createOrderSchema, request)
        if (body.billing_address_key && !shoppers.has(body.billing_address_key)) {
          fail(400, "Invalid request", { billing_address_key: "unknown address key" })
        }
        if ([...orders.values()].some((order) => order.merchantKey === merchantKey && order.request.order_reference === body.order_reference)) {
          fail(400, "Invalid request", { order_reference: "an order with this reference already exists" })
        }
        const minutes = body.expiry ? body.expiry.expire_after.duration * EXPIRY_MINUTES[body.expiry.expire_after.unit] : options.defaultExpiryMinutes
        const order: Order = {
          key: randomUUID().replace(/-/g, "").toUpperCase(),
          merchantKey,
          request: body,
          createdAt: now().toISOString(),
          expiresAt: new Date(clock.nowMs() + minutes * 60_000),
          expired: false,
          items: [],
          payments: [],
        }
        orders.set(order.key, order)
        return json(201, { order_key: order.key, expires_on: order.expiresAt.toISOString(), url: menuUrl(order) })
      },
    },
    {
      method: "GET",
      pattern: `${API}/orders`,
      name: "list-orders",
      handler: (request) => {
        const merchantKey = authenticate(request)
        const date = request.query.get("date")
        const reference = request.query.get("order_reference")
        const found = [...orders.values()].filter(
          (order) => order.merchantKey === merchantKey && (!date || order.createdAt.startsWith(date)) && (!reference || order.request.order_reference === reference)
        )
        return json(200, found.map((order) => load(merchantKey, order.key)).map(orderJson))
      },
    },
    {
      method: "GET",
      pattern: `${API}/orders/:orderKey`,
      name: "get-order",
      handler: (request) => json(200, orderJson(load(authenticate(request), request.params.orderKey))),
    },
    {
      method: "POST",
      pattern: `${API}/orders/:orderKey/items`,
      name: "add-items",
      handler: (request) => {
        const order = load(authenticate(request), request.params.orderKey)
        const items = parse(z.array(orderItemSchema).min(1), request)
        if (items.some((item) => item.currency !== order.request.currency)) {
          fail(400, "Invalid request", { currency: `must be the order's currency ${order.request.currency}` })
        }
        order.items.push(...items)
        return json(201, items)
      },
    },
    {
      method: "GET",
      pattern: `${API}/orders/:orderKey/payments/methods`,
      name: "payment-methods",
      handler: (request) => {
        load(authenticate(request), request.params.orderKey)
        return json(200, options.methods.map((method) => ({ method })))
      },
    },
    {
      method: "POST",
      pattern: `${API}/orders/:orderKey/payments`,
      name: "start-payment",
      handler: (request) => {
        const order = load(authenticate(request), request.params.orderKey)
        const body = parse(startPaymentSchema, request)
        if (!options.methods.includes(body.method)) {
          fail(400, "Invalid request", { method: `${body.method} is not enabled for this merchant` })
        }
        if (order.expired || fullyAuthorized(order)) {
          fail(400, `Order ${order.key} is ${order.expired ? "expired" : "already paid"}`)
        }
        const wanted = body.giftcard_details?.amount !== undefined ? BigInt(body.giftcard_details.amount) : remaining(order)
        const payment = newPayment(order, body.method, wanted < remaining(order) ? wanted : remaining(order))
        return json(201, {
          id: payment.id,
          status: payment.state,
          urls: [{ purpose: "REDIRECT", method: "GET", url: menuUrl(order, payment), order: 1, parameters: [] }],
        })
      },
    },
    {
      method: "POST",
      pattern: `${API}/orders/:orderKey/payments/:paymentId/captures`,
      name: "capture",
      handler: (request) => {
        const { order, payment, body } = paymentOperation(request, captureSchema)
        if (payment.state !== "AUTHORIZED" || payment.held) {
          fail(400, `Payment ${payment.id} is ${payment.held ? "held by the risk check" : payment.state}; only an authorized payment can be captured`)
        }
        const amount = BigInt(body.amount)
        if (amount > capturable(payment)) {
          fail(400, "Invalid request", { amount: `exceeds the capturable amount ${capturable(payment)}` })
        }
        capture(payment, amount, body.reference)
        notify(order, "payment.captured")
        const movement = payment.captures.at(-1)!
        return json(201, { id: movement.id, amount: body.amount, currency: body.currency, state: movement.state })
      },
    },
    {
      method: "POST",
      pattern: `${API}/orders/:orderKey/payments/:paymentId/refunds`,
      name: "refund",
      handler: (request) => {
        const { order, payment, body } = paymentOperation(request, refundSchema)
        const amount = BigInt(body.amount)
        if (amount > refundable(payment)) {
          fail(400, "Invalid request", { amount: `exceeds the refundable amount ${refundable(payment)}` })
        }
        const merchantRequestKey = randomUUID()
        payment.refunds.push({ id: merchantRequestKey, amount, state: "REFUNDED", date: now().toISOString(), reference: body.refund_reference, description: body.description })
        notify(order, "payment.refunded")
        return json(201, { merchant_request_key: merchantRequestKey, amount: body.amount, currency: body.currency })
      },
    },
    {
      method: "POST",
      pattern: `${API}/shoppers`,
      name: "create-shopper",
      handler: (request) => {
        const merchantKey = authenticate(request)
        const body = parse(shopperSchema, request)
        const shopperKey = randomUUID()
        const addressKey = randomUUID()
        shoppers.set(addressKey, { shopperKey, merchantKey, reference: body.shopper_reference })
        return json(201, { shopper_key: shopperKey, address_key: addressKey })
      },
    },
    {
      method: "GET",
      pattern: `${MENU}/:orderKey`,
      name: "hosted-page",
      handler: (request) => {
        const order = orders.get(request.params.orderKey)
        return order ? menuPage(load(order.merchantKey, order.key), request.query.get("payment_id")) : notFoundPage()
      },
    },
    {
      method: "POST",
      pattern: `${MENU}/:orderKey`,
      name: "hosted-page-submit",
      handler: (request) => {
        const found = orders.get(request.params.orderKey)
        if (!found) {
          return notFoundPage()
        }
        const order = load(found.merchantKey, found.key)
        const paymentIdParam = request.query.get("payment_id")
        const decision = hostedDecisionSchema.safeParse((request.body as { decision?: unknown } | undefined)?.decision)
        if (!decision.success || order.expired || fullyAuthorized(order)) {
          return menuPage(order, paymentIdParam)
        }
        const target = decide(order, { decision: decision.data, paymentId: paymentIdParam ?? undefined })
        return target ? redirect(target) : menuPage(order, null)
      },
    },
  ]

  const controlOrder = (request: SandboxRequest): Order => {
    const order = orders.get(request.params.orderKey)
    if (!order) {
      throw controlError(404, `no CM.com order ${request.params.orderKey}`)
    }
    return load(order.merchantKey, order.key)
  }

  /** The risk check's verdict on held payments: release (considered safe) or reject (payment canceled). */
  function setSafety(order: Order, level: SafeLevel | null): void {
    if (level === null) {
      order.consideredSafe = undefined
    } else {
      for (const payment of order.payments.filter((candidate) => candidate.state === "AUTHORIZED" && candidate.held)) {
        payment.held = false
        payment.confidence = "ACQUIRER_APPROVED"
        settleOnAuthorization(payment)
      }
      if (!fullyAuthorized(order)) {
        throw controlError(409, `order ${order.key} is not fully authorized; it cannot be considered safe`)
      }
      order.consideredSafe = { level, timestamp: now().toISOString() }
    }
    notify(order, "order.considered_safe")
  }

  const controlRoutes: Route[] = [
    { method: "GET", pattern: "/_sandbox/cm/orders", name: "cm-orders", handler: () => json(200, [...orders.values()].map(orderSnapshot)) },
    { method: "GET", pattern: "/_sandbox/cm/orders/:orderKey", name: "cm-order", handler: (request) => json(200, orderSnapshot(controlOrder(request))) },
    {
      method: "POST",
      pattern: "/_sandbox/cm/orders/:orderKey/decision",
      name: "cm-decision",
      handler: (request) => {
        const body = parseControlBody(
          z
            .object({
              decision: hostedDecisionSchema,
              method: paymentMethodSchema.optional(),
              giftCardAmount: z.number().int().positive().optional(),
              paymentId: z.string().optional(),
            })
            .strict(),
          request
        )
        const order = controlOrder(request)
        if (order.expired || fullyAuthorized(order)) {
          throw controlError(409, `order is ${order.expired ? "expired" : "already paid"}; the menu no longer takes payments`)
        }
        const redirectTo = decide(order, { ...body, giftCardAmount: body.giftCardAmount === undefined ? undefined : BigInt(body.giftCardAmount) })
        return json(200, { ...orderSnapshot(order), redirectTo: redirectTo ?? null })
      },
    },
    {
      method: "POST",
      pattern: "/_sandbox/cm/orders/:orderKey/considered-safe",
      name: "cm-considered-safe",
      handler: (request) => {
        const { level } = parseControlBody(z.object({ level: z.enum(["SAFE", "FAST"]).nullable() }).strict(), request)
        const order = controlOrder(request)
        setSafety(order, level)
        return json(200, orderSnapshot(order))
      },
    },
    {
      method: "POST",
      pattern: "/_sandbox/cm/orders/:orderKey/release",
      name: "cm-release",
      handler: (request) => {
        const order = controlOrder(request)
        if (!order.payments.some((payment) => payment.state === "AUTHORIZED" && payment.held)) {
          throw controlError(409, "no payment of this order is held")
        }
        setSafety(order, "SAFE")
        return json(200, orderSnapshot(order))
      },
    },
    {
      method: "POST",
      pattern: "/_sandbox/cm/orders/:orderKey/reject",
      name: "cm-reject",
      handler: (request) => {
        const order = controlOrder(request)
        const held = order.payments.filter((payment) => payment.state === "AUTHORIZED" && payment.held)
        if (held.length === 0) {
          throw controlError(409, "no payment of this order is held")
        }
        held.forEach((payment) => cancelPayment(payment, "Rejected by the risk check"))
        notify(order, "payment.canceled")
        return json(200, orderSnapshot(order))
      },
    },
    {
      method: "POST",
      pattern: "/_sandbox/cm/orders/:orderKey/expire",
      name: "cm-expire",
      handler: (request) => {
        const order = controlOrder(request)
        if (order.expired || fullyAuthorized(order)) {
          throw controlError(409, `order is ${order.expired ? "already expired" : "paid"}`)
        }
        expire(order)
        return json(200, orderSnapshot(order))
      },
    },
    {
      method: "POST",
      pattern: "/_sandbox/cm/next-authorization",
      name: "cm-next-authorization",
      handler: (request) => {
        const { outcome, times } = parseControlBody(z.object({ outcome: authorizationOutcomeSchema, times: z.number().int().min(1).optional() }).strict(), request)
        outcomes.set(outcome, times)
        return json(200, outcomes.list())
      },
    },
    { method: "GET", pattern: "/_sandbox/cm/next-authorization", name: "cm-next-authorizations", handler: () => json(200, outcomes.list()) },
    {
      method: "GET",
      pattern: "/_sandbox/cm/merchants",
      name: "cm-merchants",
      handler: () => json(200, options.merchants.map(({ key, name }) => ({ key, name, updateUrl: updateUrls.get(key) ?? null }))),
    },
    {
      method: "PUT",
      pattern: "/_sandbox/cm/merchants/:merchantKey",
      name: "cm-update-merchant",
      handler: (request) => {
        const { updateUrl } = parseControlBody(z.object({ updateUrl: z.url().nullable() }).strict(), request)
        if (!updateUrls.has(request.params.merchantKey)) {
          throw controlError(404, `no CM.com merchant ${request.params.merchantKey}`)
        }
        updateUrls.set(request.params.merchantKey, updateUrl ?? undefined)
        return json(200, { key: request.params.merchantKey, updateUrl })
      },
    },
  ]

  return {
    routes,
    controlRoutes,
    errorResponse: (status: number, message: string) => cmError(status, message),
    orders: () => [...orders.values()].map(orderSnapshot),
    reset: () => {
      orders.clear()
      shoppers.clear()
      outcomes.clear()
      restoreUpdateUrls()
    },
  }
}

export const cm = definePsp({
  name: PSP,
  title: "CM.com Payments (PSP API)",
  basePath: "/cm/ps/api/public/v1/merchants/:merchantKey/",
  options: cmOptionsSchema,
  create: createCm,
})
