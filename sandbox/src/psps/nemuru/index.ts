import { z } from "zod"
import { controlError, parseControlBody } from "../../core/control"
import { OutcomeOverrides } from "../../core/faults"
import { hostedDecisionSchema, renderHostedPage, type HostedDecision, type ShopperOutcome } from "../../core/hosted-page"
import { bearerToken, html, json, redirect, ResponseError, type SandboxRequest, type SandboxResponse } from "../../core/http"
import { formatDecimal, sum } from "../../core/money"
import { definePsp, type SandboxContext } from "../../core/psp"
import type { Route } from "../../core/router"
import { issuesByPath } from "../../core/zod-money"
import { newOrder, operationJson, orderJson, orderSnapshot, settleOperation, startOperation, totals, type Operation, type Order, type OrderStatus } from "./order"
import { AMOUNT_SCALE, createOrderSchema, loginSchema, nemuruOptionsSchema, operationSchema, type NemuruOptions } from "./schemas"

const API = "/nemuru/api"
const CHECKOUT = "/nemuru/checkout"
const EXCEPTION = {
  schema: "Nemuru\\SharedKernel\\Domain\\Exception\\SchemaValidatorException",
  auth: "Nemuru\\SharedKernel\\Domain\\Exception\\AuthenticationException",
  notFound: "Nemuru\\Module\\Order\\Domain\\Exception\\OrderNotFoundByIdException",
  operation: "Nemuru\\Module\\Order\\Domain\\Exception\\InvalidOrderOperationException",
  lender: "Nemuru\\Module\\Order\\Domain\\Exception\\LenderRejectedOperationException",
  generic: "Nemuru\\SharedKernel\\Domain\\Exception\\HttpException",
}

/** Nemuru's error body: `{status:"ko", exception, error, schema_errors?}` (schema_errors only on 400). */
function ko(status: number, exception: string, error: string, schemaErrors?: Record<string, string>): SandboxResponse {
  return json(status, { status: "ko", exception, error, ...(schemaErrors ? { schema_errors: schemaErrors } : {}) })
}

const creditOutcomeSchema = z.enum(["denied", "on_hold"])
const lenderOverrideSchema = z
  .object({ outcome: z.enum(["confirm", "reject"]).default("confirm"), delayMs: z.number().int().min(0).optional(), times: z.number().int().min(1).optional() })
  .strict()
type LenderOverride = Omit<z.output<typeof lenderOverrideSchema>, "times">

function createNemuru(context: SandboxContext, options: NemuruOptions) {
  const orders = new Map<string, Order>()
  const creditOverrides = new OutcomeOverrides<z.infer<typeof creditOutcomeSchema>>()
  const lenderOverrides = new OutcomeOverrides<LenderOverride>()
  const { clock, tokens, callbacks, scheduler } = context

  const checkoutUrl = (order: Order) => `${context.publicUrl()}${CHECKOUT}/${order.id}`

  function parse<Schema extends z.ZodType>(schema: Schema, request: SandboxRequest): z.output<Schema> {
    if (request.bodyError) {
      throw new ResponseError(ko(400, EXCEPTION.schema, "Schema validation failed", { "/": request.bodyError }))
    }
    const result = schema.safeParse(request.body ?? {})
    if (!result.success) {
      throw new ResponseError(ko(400, EXCEPTION.schema, "Schema validation failed", issuesByPath(result.error, "pointer")))
    }
    return result.data
  }

  function authenticate(request: SandboxRequest): void {
    const verdict = tokens.verify(bearerToken(request.headers))
    if ("problem" in verdict || !verdict.subject.startsWith("nemuru:")) {
      const problem = "problem" in verdict && verdict.problem === "expired" ? "Expired JWT Token" : "Invalid JWT Token"
      throw new ResponseError(ko(401, EXCEPTION.auth, problem))
    }
  }

  function load(id: string): Order {
    const order = orders.get(id)
    if (!order) {
      throw new ResponseError(ko(404, EXCEPTION.notFound, `\\Order\\ with id \\${id}\\ not found`))
    }
    return order
  }

  /**
   * POST to the merchant's notification_url with the merchant-chosen Authorization header, the
   * order id, the status (and event), and the additional payload echoed back at the top level.
   */
  function notify(order: Order, fields: { event?: string; operation?: Operation }, onDelivered?: (headers: Headers) => void): void {
    const { notification_url: url, notification_auth: auth, notification_additional_payload: additional } = order.request.merchant
    if (!url) {
      return
    }
    const body = {
      ...additional,
      order_id: order.id,
      status: order.status,
      ...(fields.event ? { event: fields.event } : {}),
      ...(fields.operation ? { [fields.operation.kind]: operationJson(order, fields.operation) } : {}),
    }
    callbacks.send({
      psp: "nemuru",
      event: fields.event ?? order.status,
      reference: order.id,
      url,
      headers: { "content-type": auth?.content_type ?? "application/json", ...(auth?.authorization_header ? { authorization: auth.authorization_header } : {}) },
      body: JSON.stringify(body),
      onDelivered: onDelivered ? (answer) => onDelivered(answer.headers) : undefined,
    })
  }

  function setStatus(order: Order, status: OrderStatus): void {
    order.status = status
    notify(order, {}, (headers) => {
      // the merchant may answer an `approved` notification with `autoconfirm: true`
      if (status === "approved" && headers.get("autoconfirm")?.toLowerCase() === "true") {
        scheduleConfirmation(order)
      }
    })
    if (status === "approved" && options.autoConfirm) {
      scheduleConfirmation(order)
    }
  }

  function scheduleConfirmation(order: Order): void {
    scheduler.after(options.lenderConfirmationDelayMs, () => {
      if (order.status === "approved") {
        setStatus(order, "confirmed")
      }
    })
  }

  function decide(order: Order, decision: HostedDecision): string | undefined {
    const { success_url, failure_url, pending_url } = order.request.merchant
    if (decision === "approve") {
      const outcome = creditOverrides.take()
      setStatus(order, outcome ?? "approved")
    } else if (decision === "decline") {
      setStatus(order, "denied")
    } else if (decision === "hold") {
      setStatus(order, "on_hold")
    } else {
      setStatus(order, "cancelled")
    }
    if (order.status === "approved") {
      return success_url
    }
    return order.status === "on_hold" ? pending_url ?? success_url : failure_url
  }

  /** Transactional: answer after the lender decided. Otherwise: answer now, notify once the lender confirms. */
  function operationRoute(kind: "capture" | "refund"): Route {
    return {
      method: "POST",
      pattern: `${API}/v2/order/:orderId/${kind}/`,
      name: kind,
      handler: async (request) => {
        authenticate(request)
        const input = parse(operationSchema, request)
        const order = load(request.params.orderId)
        const operation = startOperation(order, kind, input, clock.now())
        if ("problem" in operation) {
          return ko(options.refusalStatus, EXCEPTION.operation, operation.problem)
        }
        const lender = lenderOverrides.take() ?? { outcome: "confirm" }
        const delayMs = lender.delayMs ?? options.lenderConfirmationDelayMs
        const settle = () => settleOperation(order, operation, lender.outcome === "confirm", clock.now())
        if (input.transactional) {
          await scheduler.delay(delayMs)
          settle()
          return operation.status === "confirmed"
            ? json(201, operationJson(order, operation), { Id: operation.id })
            : ko(options.lenderRejectionStatus, EXCEPTION.lender, `The lender rejected the ${kind}`)
        }
        scheduler.after(delayMs, () => {
          settle()
          notify(order, { event: `order_${kind}_${operation.status === "confirmed" ? "created" : "rejected"}`, operation })
        })
        return json(201, operationJson(order, operation), { Id: operation.id })
      },
    }
  }

  const SHOPPER_OUTCOMES: Record<OrderStatus, ShopperOutcome> = {
    pending: "awaiting_payment",
    approved: "approved",
    confirmed: "approved",
    on_hold: "in_review",
    denied: "declined",
    cancelled: "canceled",
  }

  const hostedPage = (order: Order): SandboxResponse =>
    html(
      200,
      renderHostedPage({
        pspTitle: "Nemuru",
        heading: order.request.product === "split_pay" ? "Pay in 3 with Nemuru" : "Pay in instalments with Nemuru",
        reference: order.request.merchant.order_reference_1,
        currency: order.request.cart.currency,
        lines: order.items.map((item) => ({ description: item.article.name, quantity: String(item.units), amount: formatDecimal(item.total, AMOUNT_SCALE) })),
        total: formatDecimal(totals(order).total, AMOUNT_SCALE),
        outcome: SHOPPER_OUTCOMES[order.status],
        status: order.status,
        form: order.status === "pending" ? { action: `${CHECKOUT}/${order.id}`, holdLabel: "Put on hold (in review)" } : undefined,
      })
    )

  const notFoundPage = () => html(404, "<!doctype html><title>Not found</title><p>Unknown order</p>")

  const routes: Route[] = [
    {
      method: "POST",
      pattern: `${API}/auth/login/`,
      name: "login",
      handler: (request) => {
        const body = parse(loginSchema, request)
        const user = options.users.find((candidate) => candidate.username === body.username && candidate.password === body.password)
        if (!user) {
          return ko(401, EXCEPTION.auth, "Invalid credentials.")
        }
        const lifetime = options.tokenLifetimeSeconds
        return json(201, {
          token_type: "bearer",
          access_token: tokens.issue(`nemuru:${user.username}`, lifetime),
          refresh_token: tokens.issue(`nemuru-refresh:${user.username}`, lifetime * 12),
          expires_in: lifetime,
        })
      },
    },
    {
      method: "POST",
      pattern: `${API}/v2/order/`,
      name: "create-order",
      handler: (request) => {
        authenticate(request)
        const body = parse(createOrderSchema, request)
        const itemsTotal = sum(body.cart.items.map((item) => item.total_price_with_tax))
        if (itemsTotal !== body.cart.total_price_with_tax) {
          return ko(400, EXCEPTION.schema, "Schema validation failed", {
            "/cart/total_price_with_tax": `must equal the sum of the items (${formatDecimal(itemsTotal, AMOUNT_SCALE)})`,
          })
        }
        const order = newOrder(body, clock.now())
        orders.set(order.id, order)
        // the order id travels in the `Id` header; the body only carries the hosted page ([INFERRED])
        return json(201, { redirect_url: checkoutUrl(order) }, { Id: order.id })
      },
    },
    {
      method: "GET",
      pattern: `${API}/v2/order/:orderId/`,
      name: "get-order",
      handler: (request) => {
        authenticate(request)
        const order = load(request.params.orderId)
        return json(200, orderJson(order, checkoutUrl(order)))
      },
    },
    {
      method: "POST",
      pattern: `${API}/v2/order/:orderId/confirm/`,
      name: "confirm",
      handler: async (request) => {
        authenticate(request)
        const order = load(request.params.orderId)
        if (order.status !== "approved") {
          return ko(options.refusalStatus, EXCEPTION.operation, `Order ${order.id} is ${order.status}; only an approved order can be confirmed`)
        }
        await scheduler.delay(options.lenderConfirmationDelayMs)
        if (order.status === "approved") {
          setStatus(order, "confirmed")
        }
        return json(200, orderJson(order, checkoutUrl(order)))
      },
    },
    {
      method: "POST",
      pattern: `${API}/v2/order/:orderId/cancel/`,
      name: "cancel",
      handler: (request) => {
        authenticate(request)
        const order = load(request.params.orderId)
        const sums = totals(order)
        if (!["pending", "approved", "on_hold", "confirmed"].includes(order.status) || sums.captured > 0n || sums.pendingCapture > 0n) {
          return ko(options.refusalStatus, EXCEPTION.operation, `Order ${order.id} is ${order.status} with captures; refund instead`)
        }
        setStatus(order, "cancelled")
        return json(200, orderJson(order, checkoutUrl(order)))
      },
    },
    operationRoute("capture"),
    operationRoute("refund"),
    {
      method: "GET",
      pattern: `${CHECKOUT}/:orderId`,
      name: "hosted-page",
      handler: (request) => {
        const order = orders.get(request.params.orderId)
        return order ? hostedPage(order) : notFoundPage()
      },
    },
    {
      method: "POST",
      pattern: `${CHECKOUT}/:orderId`,
      name: "hosted-page-submit",
      handler: (request) => {
        const order = orders.get(request.params.orderId)
        if (!order) {
          return notFoundPage()
        }
        const decision = hostedDecisionSchema.safeParse((request.body as { decision?: unknown } | undefined)?.decision)
        if (!decision.success || order.status !== "pending") {
          return hostedPage(order)
        }
        const target = decide(order, decision.data)
        return target ? redirect(target) : hostedPage(order)
      },
    },
  ]

  const controlOrder = (request: SandboxRequest): Order => {
    const order = orders.get(request.params.orderId)
    if (!order) {
      throw controlError(404, `no Nemuru order ${request.params.orderId}`)
    }
    return order
  }

  const resolveHold = (status: "approved" | "denied") => (request: SandboxRequest) => {
    const order = controlOrder(request)
    if (order.status !== "on_hold") {
      throw controlError(409, `order is ${order.status}, not on_hold`)
    }
    setStatus(order, status)
    return json(200, orderSnapshot(order))
  }

  const controlRoutes: Route[] = [
    { method: "GET", pattern: "/_sandbox/nemuru/orders", name: "nemuru-orders", handler: () => json(200, [...orders.values()].map(orderSnapshot)) },
    { method: "GET", pattern: "/_sandbox/nemuru/orders/:orderId", name: "nemuru-order", handler: (request) => json(200, orderSnapshot(controlOrder(request))) },
    {
      method: "POST",
      pattern: "/_sandbox/nemuru/orders/:orderId/decision",
      name: "nemuru-decision",
      handler: (request) => {
        const { decision } = parseControlBody(z.object({ decision: hostedDecisionSchema }).strict(), request)
        const order = controlOrder(request)
        if (order.status !== "pending") {
          throw controlError(409, `order is ${order.status}; the shopper already decided`)
        }
        const redirectTo = decide(order, decision)
        return json(200, { ...orderSnapshot(order), redirectTo: redirectTo ?? null })
      },
    },
    { method: "POST", pattern: "/_sandbox/nemuru/orders/:orderId/release", name: "nemuru-release", handler: resolveHold("approved") },
    { method: "POST", pattern: "/_sandbox/nemuru/orders/:orderId/reject", name: "nemuru-reject", handler: resolveHold("denied") },
    {
      method: "POST",
      pattern: "/_sandbox/nemuru/credit-decision",
      name: "nemuru-credit-decision",
      handler: (request) => {
        const { outcome, times } = parseControlBody(z.object({ outcome: creditOutcomeSchema, times: z.number().int().min(1).optional() }).strict(), request)
        creditOverrides.set(outcome, times)
        return json(200, creditOverrides.list())
      },
    },
    {
      method: "POST",
      pattern: "/_sandbox/nemuru/lender",
      name: "nemuru-lender",
      handler: (request) => {
        const { times, ...override } = parseControlBody(lenderOverrideSchema, request)
        lenderOverrides.set(override, times)
        return json(200, lenderOverrides.list())
      },
    },
  ]

  return {
    routes,
    controlRoutes,
    errorResponse: (status: number, message: string) => ko(status, EXCEPTION.generic, message),
    orders: () => [...orders.values()].map(orderSnapshot),
    reset: () => {
      orders.clear()
      creditOverrides.clear()
      lenderOverrides.clear()
    },
  }
}

export const nemuru = definePsp({
  name: "nemuru",
  title: "Nemuru Order API",
  basePath: `${API}/`,
  options: nemuruOptionsSchema,
  create: createNemuru,
})
