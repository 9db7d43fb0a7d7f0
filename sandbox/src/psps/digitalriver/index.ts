import { createHmac, randomUUID } from "node:crypto"
import { z } from "zod"
import { controlError, parseControlBody } from "../../core/control"
import { OutcomeOverrides } from "../../core/faults"
import { hostedDecisionSchema, renderHostedPage, type HostedDecision, type ShopperOutcome } from "../../core/hosted-page"
import { bearerToken, html, json, noContent, redirect, ResponseError, type SandboxRequest, type SandboxResponse } from "../../core/http"
import { formatDecimal, parseDecimal, sum } from "../../core/money"
import { definePsp, type SandboxContext } from "../../core/psp"
import type { Route } from "../../core/router"
import {
  allItemsSettled,
  availableToRefund,
  chargeJson,
  chargeTotals,
  fulfillmentJson,
  itemAvailableToRefund,
  newOrder,
  orderJson,
  orderSnapshot,
  orderTotal,
  refundJson,
  toMinor,
  transition,
  unitsAmount,
  unitsLeft,
  type Fulfillment,
  type Item,
  type Operation,
  type Order,
  type Refund,
} from "./order"
import {
  checkoutSessionRequestSchema,
  digitalRiverOptionsSchema,
  fulfillmentRequestSchema,
  refundRequestSchema,
  scaleOf,
  webhookRequestSchema,
  webhookUpdateSchema,
  type CheckoutSessionRequest,
  type DigitalRiverOptions,
  type WebhookRequest,
} from "./schemas"

const BASE = "/digitalriver"
const PSP = "digitalriver"

const TYPE_BY_STATUS: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  406: "not_acceptable",
  408: "request_timeout",
  409: "conflict",
  429: "too_many_requests",
  500: "internal_server_error",
  502: "bad_gateway",
  503: "service_unavailable",
  504: "gateway_timeout",
}

/** DR's error body: `{type, errors:[{code, parameter, message}]}`. */
function drError(status: number, code: string, message: string, parameter?: string): SandboxResponse {
  return json(status, { type: TYPE_BY_STATUS[status] ?? "bad_request", errors: [{ code, ...(parameter !== undefined ? { parameter } : {}), message }] })
}

const fail = (status: number, code: string, message: string, parameter?: string): never => {
  throw new ResponseError(drError(status, code, message, parameter))
}

function dottedPath(path: PropertyKey[]): string {
  return path.reduce<string>((text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)), "")
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((current, key) => (current !== null && typeof current === "object" ? (current as Record<PropertyKey, unknown>)[key] : undefined), value)
}

type CheckoutSession = {
  id: string
  createdTime: string
  request: CheckoutSessionRequest
  state: "open" | "complete" | "cancelled"
  declinedAttempts: number
  orderId?: string
}

type Webhook = WebhookRequest & { id: string; createdTime: string; updatedTime: string; secret: string }

/** The OpenAPI file requires `digitalriverVersion` and `pendingWebhooks` (D1's examples spell the version that way too). */
type DrEvent = { id: string; type: string; data: { object: unknown }; liveMode: false; createdTime: string; pendingWebhooks: number; webhookIds: string[]; digitalriverVersion: string }

function createDigitalRiver(context: SandboxContext, options: DigitalRiverOptions) {
  const { clock, callbacks, scheduler } = context
  const sessions = new Map<string, CheckoutSession>()
  const orders = new Map<string, Order>()
  const fulfillments: Fulfillment[] = []
  const refunds: Refund[] = []
  const webhooks = new Map<string, Webhook>()
  let events: DrEvent[] = []
  /** "The next N captures fail later" (`order.charge.capture.failed`). */
  const captureFailures = new OutcomeOverrides<"failed">()

  const now = () => clock.now()

  function authenticate(request: SandboxRequest): void {
    const key = bearerToken(request.headers)
    if (!key || !options.apiKeys.includes(key)) {
      fail(401, "unauthorized", "Unauthorized")
    }
  }

  function parse<Schema extends z.ZodType>(schema: Schema, request: SandboxRequest): z.output<Schema> {
    if (request.bodyError) {
      fail(400, "invalid_format", request.bodyError)
    }
    const result = schema.safeParse(request.body ?? {})
    if (!result.success) {
      const errors = result.error.issues.map((issue) => ({
        code: issue.code === "unrecognized_keys" ? "unknown_parameter" : valueAt(request.body, issue.path) === undefined ? "missing_parameter" : "invalid_parameter",
        parameter: issue.code === "unrecognized_keys" ? issue.keys.join(",") : dottedPath(issue.path) || "body",
        message: issue.message,
      }))
      throw new ResponseError(json(400, { type: "bad_request", errors }))
    }
    return result.data
  }

  const findOrder = (id: string): Order => orders.get(id) ?? fail(404, "not_found", `Resource '${id}' not found.`, "id")

  function minor(cents: bigint, currency: string, parameter: string): bigint {
    try {
      return toMinor(cents, currency)
    } catch (error) {
      return fail(400, "invalid_parameter", (error as Error).message, parameter)
    }
  }

  function sign(secret: string, body: string): string {
    const timestamp = Math.floor(clock.nowMs() / 1000)
    const timestampPart = `t=${timestamp}`
    const signed = options.signature.signedPayload === "timestamp" ? `${timestamp}.${body}` : `${timestampPart}.${body}`
    const signature = createHmac("sha256", secret).update(signed, "utf8").digest("base64")
    return `${timestampPart}${options.signature.separator}v0=${signature}`
  }

  /** Records the event and POSTs it to every enabled webhook subscribed to its type, signed per attempt. */
  function emit(type: string, object: unknown, orderId: string): void {
    const targets = [...webhooks.values()].filter((webhook) => webhook.enabled && (webhook.types.includes(type) || webhook.types.includes("*")))
    const event: DrEvent = {
      id: randomUUID(),
      type,
      data: { object },
      liveMode: false,
      createdTime: now().toISOString(),
      pendingWebhooks: targets.length,
      webhookIds: targets.map((webhook) => webhook.id),
      digitalriverVersion: options.apiVersion,
    }
    events.push(event)
    const body = JSON.stringify(event)
    for (const webhook of targets) {
      callbacks.send({
        psp: PSP,
        event: type,
        reference: orderId,
        url: webhook.address,
        body,
        headers: () => ({
          "content-type": "application/json",
          "digitalriver-signature": sign(webhook.secret, body),
          ...(webhook.authentication ? { authorization: `Basic ${Buffer.from(`${webhook.authentication.username}:${webhook.authentication.password}`).toString("base64")}` } : {}),
        }),
      })
    }
  }

  function newOperation(amount: bigint, lines: Operation["lines"], fulfillmentId?: string): Operation {
    const at = now().toISOString()
    return { id: randomUUID(), createdTime: at, updatedTime: at, amount, state: "pending", lines, ...(fulfillmentId ? { fulfillmentId } : {}) }
  }

  /** After DR settles every pending operation: `fulfilled` → `complete`, or all cancelled → `cancelled`. */
  function rollUp(order: Order): void {
    const totals = chargeTotals(order.charge)
    if (!allItemsSettled(order) || totals.capturePending > 0n || totals.cancelPending > 0n || totals.authorized > 0n) {
      return
    }
    if (order.state === "fulfilled" && totals.captureFailed === 0n && totals.captured > 0n) {
      transition(order, "complete", now())
      emit("order.complete", orderJson(order), order.id)
    } else if (order.state === "accepted" && totals.captured === 0n && totals.captureFailed === 0n) {
      transition(order, "cancelled", now())
      emit("order.cancelled", orderJson(order), order.id)
    }
  }

  function settle(order: Order, operations: { captures: Operation[]; cancels: Operation[] }): void {
    scheduler.after(options.settleDelayMs, () => {
      if (orders.get(order.id) !== order) {
        return // reset in between
      }
      const at = now().toISOString()
      for (const capture of operations.captures) {
        capture.updatedTime = at
        if (captureFailures.take() === "failed") {
          capture.state = "failed"
          capture.failureCode = "failed-request"
          capture.failureMessage = "Failed to operate on charge"
          emit("order.charge.capture.failed", chargeJson(order), order.id)
        } else {
          capture.state = "complete"
          for (const line of capture.lines) {
            const item = order.items.find((candidate) => candidate.id === line.itemId)
            if (item) {
              item.captured += line.amount
            }
          }
          emit("order.charge.capture.complete", chargeJson(order), order.id)
        }
      }
      for (const cancel of operations.cancels) {
        cancel.updatedTime = at
        cancel.state = "complete"
        emit("order.charge.cancel.complete", chargeJson(order), order.id)
      }
      rollUp(order)
    })
  }

  function fulfill(request: SandboxRequest): SandboxResponse {
    authenticate(request)
    const body = parse(fulfillmentRequestSchema, request)
    const order = orders.get(body.orderId) ?? fail(404, "not_found", `Resource '${body.orderId}' not found.`, "orderId")
    if (order.state === "fulfilled" || order.state === "complete" || allItemsSettled(order)) {
      fail(409, "order_fulfilled", `Resource '${order.id}' is fulfilled.`, "orderId")
    }
    if (order.state !== "accepted") {
      fail(409, "invalid_order_state", `Order '${order.id}' is ${order.state}; fulfillments need an accepted order.`, "orderId")
    }
    const requested = new Map<Item, { quantity: number; cancelQuantity: number }>()
    body.items.forEach((line, index) => {
      const item =
        order.items.find((candidate) => (line.itemId !== undefined ? candidate.id === line.itemId : candidate.skuId === line.skuId)) ??
        fail(400, "invalid_parameter", `Item '${line.itemId ?? line.skuId}' is not on order '${order.id}'.`, `items[${index}].itemId`)
      const sofar = requested.get(item) ?? { quantity: 0, cancelQuantity: 0 }
      const next = { quantity: sofar.quantity + (line.quantity ?? 0), cancelQuantity: sofar.cancelQuantity + (line.cancelQuantity ?? 0) }
      if (next.quantity + next.cancelQuantity > unitsLeft(item)) {
        fail(400, "invalid_quantity_amount", `Item '${item.id}' has ${unitsLeft(item)} unit(s) left to fulfill or cancel.`, `items[${index}].quantity`)
      }
      requested.set(item, next)
    })

    const captureLines: Operation["lines"] = []
    const cancelLines: Operation["lines"] = []
    const at = now().toISOString()
    for (const [item, { quantity, cancelQuantity }] of requested) {
      const captureAmount = unitsAmount(item, item.fulfilled + item.cancelled, quantity)
      item.fulfilled += quantity
      const cancelAmount = unitsAmount(item, item.fulfilled + item.cancelled, cancelQuantity)
      item.cancelled += cancelQuantity
      item.captureRequested += captureAmount
      item.cancelRequested += cancelAmount
      if (quantity > 0) {
        captureLines.push({ itemId: item.id, amount: captureAmount })
      }
      if (cancelQuantity > 0) {
        cancelLines.push({ itemId: item.id, amount: cancelAmount })
      }
      if (unitsLeft(item) === 0) {
        item.stateTransitions[item.fulfilled > 0 ? "fulfilled" : "cancelled"] = at
      }
    }
    // [INFERRED] shipping is captured with the first shipment, and cancelled when nothing ships at all
    const shipping = order.shipping
    const shippingOpen = shipping.amount - shipping.captureRequested - shipping.cancelRequested
    if (shippingOpen > 0n && captureLines.length > 0) {
      shipping.captureRequested += shippingOpen
      captureLines.push({ itemId: "shipping", amount: shippingOpen })
    } else if (shippingOpen > 0n && allItemsSettled(order)) {
      shipping.cancelRequested += shippingOpen
      cancelLines.push({ itemId: "shipping", amount: shippingOpen })
    }

    const fulfillment: Fulfillment = {
      id: `ful_${randomUUID()}`,
      createdTime: at,
      orderId: order.id,
      shipmentId: body.shipmentId,
      items: body.items.map((line) => {
        const item = order.items.find((candidate) => (line.itemId !== undefined ? candidate.id === line.itemId : candidate.skuId === line.skuId))!
        return { itemId: item.id, ...(item.skuId ? { skuId: item.skuId } : {}), ...(line.shipmentItemId ? { shipmentItemId: line.shipmentItemId } : {}), quantity: line.quantity ?? 0, cancelQuantity: line.cancelQuantity ?? 0 }
      }),
      trackingCompany: body.trackingCompany,
      trackingNumber: body.trackingNumber,
      trackingUrl: body.trackingUrl,
      metadata: body.metadata,
      chargeOperationIds: [],
    }
    const captures = captureLines.length > 0 ? [newOperation(sum(captureLines.map((line) => line.amount)), captureLines, fulfillment.id)] : []
    const cancels = cancelLines.length > 0 ? [newOperation(sum(cancelLines.map((line) => line.amount)), cancelLines, fulfillment.id)] : []
    order.charge.captures.push(...captures)
    order.charge.cancels.push(...cancels)
    fulfillment.chargeOperationIds = [...captures, ...cancels].map((operation) => operation.id)
    fulfillments.push(fulfillment)
    order.updatedTime = at

    emit("fulfillment.created", fulfillmentJson(fulfillment, order), order.id)
    if (allItemsSettled(order) && order.items.some((item) => item.fulfilled > 0)) {
      transition(order, "fulfilled", now())
      emit("order.fulfilled", orderJson(order), order.id)
    }
    settle(order, { captures, cancels })
    return json(201, fulfillmentJson(fulfillment))
  }

  function refund(request: SandboxRequest): SandboxResponse {
    authenticate(request)
    const body = parse(refundRequestSchema, request)
    const order = orders.get(body.orderId) ?? fail(404, "not_found", `Resource '${body.orderId}' not found.`, "orderId")
    if (body.currency !== order.currency) {
      fail(400, "invalid_parameter", `Currency must be the order's currency ${order.currency}.`, "currency")
    }
    const tooMuch = () => fail(400, "invalid_parameter", "The requested refund amount is greater than the available amount.", "amountRequested")
    let amount: bigint
    const lines: Refund["items"] = []
    if (body.items) {
      body.items.forEach((line, index) => {
        const item = order.items.find((candidate) => candidate.id === line.itemId) ?? fail(400, "invalid_parameter", `Item '${line.itemId}' is not on order '${order.id}'.`, `items[${index}].itemId`)
        const lineAmount =
          line.amount !== undefined
            ? minor(line.amount, order.currency, `items[${index}].amount`)
            : line.quantity !== undefined
              ? unitsAmount(item, 0, Math.min(line.quantity, item.quantity))
              : itemAvailableToRefund(order, item)
        if (line.quantity !== undefined && line.quantity > item.fulfilled) {
          fail(400, "invalid_quantity_amount", `Item '${item.id}' has ${item.fulfilled} fulfilled unit(s).`, `items[${index}].quantity`)
        }
        const alreadyAsked = sum(lines.filter((other) => other.itemId === item.id).map((other) => other.amount))
        if (lineAmount <= 0n || lineAmount + alreadyAsked > itemAvailableToRefund(order, item)) {
          tooMuch()
        }
        lines.push({ itemId: item.id, quantity: line.quantity, amount: lineAmount })
      })
      amount = sum(lines.map((line) => line.amount))
    } else if (body.percent !== undefined) {
      const hundredths = parseDecimal(body.percent, 4) ?? fail(400, "invalid_parameter", "percent has at most 4 decimals", "percent")
      amount = (chargeTotals(order.charge).captured * hundredths) / 1_000_000n
    } else {
      amount = minor(body.amount!, order.currency, "amount")
    }
    if (amount <= 0n) {
      fail(400, "invalid_parameter", "The refund amount must be greater than 0.", "amount")
    }
    if (amount > availableToRefund(order)) {
      tooMuch()
    }
    const operation = newOperation(amount, lines.map((line) => ({ itemId: line.itemId, amount: line.amount })))
    order.charge.refunds.push(operation)
    for (const line of lines) {
      order.items.find((item) => item.id === line.itemId)!.refunded += line.amount
    }
    const record: Refund = {
      id: `re_${randomUUID()}`,
      createdTime: operation.createdTime,
      orderId: order.id,
      currency: order.currency,
      amount,
      type: body.type,
      items: lines,
      reason: body.reason,
      state: "pending",
      metadata: body.metadata,
      chargeRefundId: operation.id,
    }
    refunds.push(record)
    emit("refund.pending", refundJson(record, order), order.id)
    scheduler.after(options.settleDelayMs, () => {
      if (orders.get(order.id) !== order) {
        return
      }
      operation.state = "complete"
      operation.updatedTime = now().toISOString()
      record.state = "succeeded"
      emit("order.charge.refund.complete", chargeJson(order), order.id)
      emit("refund.complete", refundJson(record, order), order.id)
      const totals = chargeTotals(order.charge)
      if (totals.refunded === totals.captured && totals.authorized === 0n) {
        emit("order.refunded", orderJson(order), order.id)
      }
    })
    return json(201, refundJson(record, order))
  }

  const link = (session: CheckoutSession) => `${context.publicUrl()}${BASE}/hosted/checkout-sessions/${session.id}`

  /** The shopper's choice on the Drop-in checkout; returns where DR sends the browser, if anywhere. */
  function decide(session: CheckoutSession, decision: HostedDecision): string | undefined {
    const { successUrl, cancelUrl } = session.request.redirects
    if (decision === "abandon") {
      session.state = "cancelled"
      return cancelUrl
    }
    if (decision === "decline") {
      session.declinedAttempts += 1
      return options.declineRedirectsToCancelUrl ? cancelUrl : undefined
    }
    const order = newOrder(session, decision === "approve" ? "accepted" : "in_review", now())
    orders.set(order.id, order)
    session.state = "complete"
    session.orderId = order.id
    emit("checkout_session.order.created", { checkoutSessionId: session.id, orderId: order.id, upstreamId: order.upstreamId ?? null }, order.id)
    emit(decision === "approve" ? "order.accepted" : "order.review_opened", orderJson(order), order.id)
    if (!options.appendOrderToSuccessUrl) {
      return successUrl
    }
    const url = new URL(successUrl)
    url.searchParams.set("checkoutSessionId", session.id)
    url.searchParams.set("orderId", order.id)
    return url.toString()
  }

  function hostedPage(session: CheckoutSession): SandboxResponse {
    const { request } = session
    const scale = scaleOf(request.currency)
    const text = (cents: bigint) => formatDecimal(toMinor(cents, request.currency), scale)
    const lines = request.items.map((item) => ({
      description: String(item.productDetails?.name ?? item.skuId),
      quantity: String(item.quantity),
      amount: text(item.aggregatePrice ?? item.price * BigInt(item.quantity)),
    }))
    if (request.shippingChoice) {
      lines.push({ description: request.shippingChoice.description ?? "Shipping", quantity: "1", amount: text(request.shippingChoice.amount) })
    }
    const total = sum(request.items.map((item) => item.aggregatePrice ?? item.price * BigInt(item.quantity))) + (request.shippingChoice?.amount ?? 0n)
    const order = session.orderId ? orders.get(session.orderId) : undefined
    const status = [session.state, session.declinedAttempts ? `${session.declinedAttempts} declined` : "", order ? `order ${order.state}` : ""].filter(Boolean).join(", ")
    const outcome: ShopperOutcome =
      session.state === "open"
        ? session.declinedAttempts > 0 ? "retry" : "awaiting_payment"
        : session.state === "cancelled" || order?.state === "cancelled"
          ? "canceled"
          : order?.state === "blocked"
            ? "declined"
            : order?.state === "in_review" ? "in_review" : "approved"
    return html(
      200,
      renderHostedPage({
        pspTitle: "Digital River",
        heading: "Checkout",
        reference: request.upstreamId ?? session.id,
        currency: request.currency,
        lines,
        total: text(total),
        outcome,
        status,
        form: session.state === "open" ? { action: `${BASE}/hosted/checkout-sessions/${session.id}`, holdLabel: "Pay (order goes in review)" } : undefined,
      })
    )
  }

  const list = <T,>(items: T[], request: SandboxRequest) => {
    const limit = Math.min(Math.max(Number(request.query.get("limit") ?? 10) || 10, 1), 100)
    const startingAfter = request.query.get("startingAfter")
    const newestFirst = [...items].reverse()
    const from = startingAfter ? newestFirst.findIndex((item) => (item as { id: string }).id === startingAfter) + 1 : 0
    const page = newestFirst.slice(from, from + limit)
    return json(200, { hasMore: from + limit < newestFirst.length, data: page })
  }
  const queryList = (request: SandboxRequest, name: string) => request.query.getAll(name).flatMap((value) => value.split(",")).filter(Boolean)

  const webhookJson = ({ secret: _secret, ...webhook }: Webhook) => webhook

  const findWebhook = (id: string) => webhooks.get(id) ?? fail(404, "not_found", `Resource '${id}' not found.`, "id")

  const routes: Route[] = [
    {
      method: "POST",
      pattern: `${BASE}/drop-in/checkout-sessions`,
      name: "create-checkout-session",
      handler: (request) => {
        authenticate(request)
        const body = parse(checkoutSessionRequestSchema, request)
        body.items.forEach((item, index) => minor(item.aggregatePrice ?? item.price, body.currency, `items[${index}].price`))
        const session: CheckoutSession = { id: randomUUID(), createdTime: now().toISOString(), request: body, state: "open", declinedAttempts: 0 }
        sessions.set(session.id, session)
        return json(201, { id: session.id, link: link(session), liveMode: false })
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/orders`,
      name: "list-orders",
      handler: (request) => {
        authenticate(request)
        const ids = queryList(request, "ids")
        const upstreamIds = queryList(request, "upstreamIds")
        const state = request.query.get("state")
        const matching = [...orders.values()].filter(
          (order) => (ids.length === 0 || ids.includes(order.id)) && (upstreamIds.length === 0 || upstreamIds.includes(order.upstreamId ?? "")) && (!state || order.state === state)
        )
        return list(matching.map((order) => orderJson(order)), request)
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/orders/:id`,
      name: "get-order",
      handler: (request) => {
        authenticate(request)
        return json(200, orderJson(findOrder(request.params.id)))
      },
    },
    {
      method: "POST",
      pattern: `${BASE}/orders/:id`,
      name: "update-order",
      handler: (request) => {
        authenticate(request)
        const body = parse(z.object({ upstreamId: z.string().min(1).optional(), metadata: z.record(z.string(), z.unknown()).optional() }).strict(), request)
        const order = findOrder(request.params.id)
        order.upstreamId = body.upstreamId ?? order.upstreamId
        order.metadata = body.metadata ? { ...order.metadata, ...body.metadata } : order.metadata
        order.updatedTime = now().toISOString()
        return json(200, orderJson(order))
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/charges/:id`,
      name: "get-charge",
      handler: (request) => {
        authenticate(request)
        const order = [...orders.values()].find((candidate) => candidate.charge.id === request.params.id) ?? fail(404, "not_found", `Resource '${request.params.id}' not found.`, "id")
        return json(200, chargeJson(order))
      },
    },
    { method: "POST", pattern: `${BASE}/fulfillments`, name: "create-fulfillment", handler: fulfill },
    {
      method: "GET",
      pattern: `${BASE}/fulfillments`,
      name: "list-fulfillments",
      handler: (request) => {
        authenticate(request)
        const orderId = request.query.get("orderId")
        const ids = queryList(request, "ids")
        return list(
          fulfillments.filter((fulfillment) => (!orderId || fulfillment.orderId === orderId) && (ids.length === 0 || ids.includes(fulfillment.id))).map((fulfillment) => fulfillmentJson(fulfillment)),
          request
        )
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/fulfillments/:id`,
      name: "get-fulfillment",
      handler: (request) => {
        authenticate(request)
        const fulfillment = fulfillments.find((candidate) => candidate.id === request.params.id) ?? fail(404, "not_found", `Resource '${request.params.id}' not found.`, "id")
        return json(200, fulfillmentJson(fulfillment, orders.get(fulfillment.orderId)))
      },
    },
    { method: "POST", pattern: `${BASE}/refunds`, name: "create-refund", handler: refund },
    {
      method: "GET",
      pattern: `${BASE}/refunds`,
      name: "list-refunds",
      handler: (request) => {
        authenticate(request)
        const orderId = request.query.get("orderId")
        return list(refunds.filter((candidate) => !orderId || candidate.orderId === orderId).map((candidate) => refundJson(candidate, orders.get(candidate.orderId)!)), request)
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/refunds/:id`,
      name: "get-refund",
      handler: (request) => {
        authenticate(request)
        const found = refunds.find((candidate) => candidate.id === request.params.id) ?? fail(404, "not_found", `Resource '${request.params.id}' not found.`, "id")
        return json(200, refundJson(found, orders.get(found.orderId)!))
      },
    },
    {
      method: "POST",
      pattern: `${BASE}/webhooks`,
      name: "create-webhook",
      handler: (request) => {
        authenticate(request)
        const body = parse(webhookRequestSchema, request)
        const at = now().toISOString()
        const webhook: Webhook = { ...body, id: randomUUID(), createdTime: at, updatedTime: at, secret: options.webhookSigningSecret }
        webhooks.set(webhook.id, webhook)
        return json(201, webhookJson(webhook))
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/webhooks`,
      name: "list-webhooks",
      handler: (request) => {
        authenticate(request)
        return list([...webhooks.values()].map(webhookJson), request)
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/webhooks/:id`,
      name: "get-webhook",
      handler: (request) => {
        authenticate(request)
        return json(200, webhookJson(findWebhook(request.params.id)))
      },
    },
    {
      method: "PATCH",
      pattern: `${BASE}/webhooks/:id`,
      name: "update-webhook",
      handler: (request) => {
        authenticate(request)
        const webhook = findWebhook(request.params.id)
        Object.assign(webhook, parse(webhookUpdateSchema, request), { updatedTime: now().toISOString() })
        return json(200, webhookJson(webhook))
      },
    },
    {
      method: "DELETE",
      pattern: `${BASE}/webhooks/:id`,
      name: "delete-webhook",
      handler: (request) => {
        authenticate(request)
        findWebhook(request.params.id)
        webhooks.delete(request.params.id)
        return noContent()
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/events`,
      name: "list-events",
      handler: (request) => {
        authenticate(request)
        const types = [...queryList(request, "type"), ...queryList(request, "types")]
        return list(events.filter((event) => types.length === 0 || types.includes(event.type)), request)
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/events/:id`,
      name: "get-event",
      handler: (request) => {
        authenticate(request)
        return json(200, events.find((event) => event.id === request.params.id) ?? fail(404, "not_found", `Resource '${request.params.id}' not found.`, "id"))
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/hosted/checkout-sessions/:id`,
      name: "hosted-page",
      handler: (request) => {
        const session = sessions.get(request.params.id)
        return session ? hostedPage(session) : html(404, "<!doctype html><title>Not found</title><p>Unknown checkout session</p>")
      },
    },
    {
      method: "POST",
      pattern: `${BASE}/hosted/checkout-sessions/:id`,
      name: "hosted-page-submit",
      handler: (request) => {
        const session = sessions.get(request.params.id)
        if (!session) {
          return html(404, "<!doctype html><title>Not found</title><p>Unknown checkout session</p>")
        }
        const decision = hostedDecisionSchema.safeParse((request.body as { decision?: unknown } | undefined)?.decision)
        if (!decision.success || session.state !== "open") {
          return hostedPage(session)
        }
        const target = decide(session, decision.data)
        return target ? redirect(target) : hostedPage(session)
      },
    },
  ]

  function controlSession(request: SandboxRequest): CheckoutSession {
    const session = sessions.get(request.params.id)
    if (!session) {
      throw controlError(404, `no Digital River checkout session ${request.params.id}`)
    }
    return session
  }

  function controlOrder(request: SandboxRequest): Order {
    const order = orders.get(request.params.id)
    if (!order) {
      throw controlError(404, `no Digital River order ${request.params.id}`)
    }
    return order
  }

  const resolveReview = (release: boolean) => (request: SandboxRequest) => {
    const order = controlOrder(request)
    if (order.state !== "in_review") {
      throw controlError(409, `order is ${order.state}, not in_review`)
    }
    const at = now()
    order.fraudState = release ? "passed" : "blocked"
    order.fraudStateTransitions[order.fraudState] = at.toISOString()
    if (release) {
      transition(order, "accepted", at)
      emit("order.accepted", orderJson(order), order.id)
    } else {
      // a blocked order's authorization is released in full
      const cancel = newOperation(orderTotal(order), [])
      cancel.state = "complete"
      order.charge.cancels.push(cancel)
      transition(order, "blocked", at)
      emit("order.blocked", orderJson(order), order.id)
      emit("order.charge.cancel.complete", chargeJson(order), order.id)
    }
    return json(200, orderSnapshot(order))
  }

  const controlRoutes: Route[] = [
    { method: "GET", pattern: "/_sandbox/digitalriver/orders", name: "digitalriver-orders", handler: () => json(200, [...orders.values()].map(orderSnapshot)) },
    { method: "GET", pattern: "/_sandbox/digitalriver/orders/:id", name: "digitalriver-order", handler: (request) => json(200, orderSnapshot(controlOrder(request))) },
    { method: "POST", pattern: "/_sandbox/digitalriver/orders/:id/release", name: "digitalriver-release", handler: resolveReview(true) },
    { method: "POST", pattern: "/_sandbox/digitalriver/orders/:id/reject", name: "digitalriver-reject", handler: resolveReview(false) },
    {
      method: "GET",
      pattern: "/_sandbox/digitalriver/checkout-sessions/:id",
      name: "digitalriver-checkout-session",
      handler: (request) => {
        const session = controlSession(request)
        return json(200, { id: session.id, state: session.state, declinedAttempts: session.declinedAttempts, orderId: session.orderId ?? null, link: link(session) })
      },
    },
    {
      method: "POST",
      pattern: "/_sandbox/digitalriver/checkout-sessions/:id/decision",
      name: "digitalriver-decision",
      handler: (request) => {
        const { decision } = parseControlBody(z.object({ decision: hostedDecisionSchema }).strict(), request)
        const session = controlSession(request)
        if (session.state !== "open") {
          throw controlError(409, `checkout session is ${session.state}; the shopper already decided`)
        }
        const redirectTo = decide(session, decision)
        const order = session.orderId ? orders.get(session.orderId) : undefined
        return json(200, { checkoutSessionId: session.id, state: session.state, orderId: session.orderId ?? null, order: order ? orderSnapshot(order) : null, redirectTo: redirectTo ?? null })
      },
    },
    {
      method: "POST",
      pattern: "/_sandbox/digitalriver/capture-failures",
      name: "digitalriver-capture-failures",
      handler: (request) => {
        const { times } = parseControlBody(z.object({ times: z.number().int().min(1).optional() }).strict(), request)
        captureFailures.set("failed", times)
        return json(200, captureFailures.list())
      },
    },
    { method: "GET", pattern: "/_sandbox/digitalriver/capture-failures", name: "digitalriver-capture-failures-list", handler: () => json(200, captureFailures.list()) },
    {
      method: "DELETE",
      pattern: "/_sandbox/digitalriver/capture-failures",
      name: "digitalriver-capture-failures-clear",
      handler: () => {
        captureFailures.clear()
        return noContent()
      },
    },
    { method: "GET", pattern: "/_sandbox/digitalriver/webhooks", name: "digitalriver-webhooks", handler: () => json(200, [...webhooks.values()]) },
  ]

  return {
    routes,
    controlRoutes,
    errorResponse: (status: number, message: string) => drError(status, TYPE_BY_STATUS[status] ?? "error", message),
    orders: () => [...orders.values()].map(orderSnapshot),
    reset: () => {
      sessions.clear()
      orders.clear()
      fulfillments.length = 0
      refunds.length = 0
      webhooks.clear()
      events = []
      captureFailures.clear()
    },
  }
}

export const digitalRiver = definePsp({
  name: PSP,
  title: "Digital River API",
  basePath: `${BASE}/`,
  options: digitalRiverOptionsSchema,
  create: createDigitalRiver,
})
