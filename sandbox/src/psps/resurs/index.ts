import { randomUUID } from "node:crypto"
import { z } from "zod"
import { controlError, parseControlBody } from "../../core/control"
import { OutcomeOverrides } from "../../core/faults"
import { renderHostedPage, hostedDecisionSchema, type HostedDecision, type ShopperOutcome } from "../../core/hosted-page"
import { bearerToken, html, json, redirect, ResponseError, type SandboxRequest, type SandboxResponse } from "../../core/http"
import { formatDecimal, parseDecimal } from "../../core/money"
import { definePsp, type SandboxContext } from "../../core/psp"
import type { Route } from "../../core/router"
import { issuesByPath } from "../../core/zod-money"
import {
  addLines,
  applyAction,
  newPayment,
  paymentJson,
  paymentSnapshot,
  totals,
  type ManagementAction,
  type Payment,
  type PaymentStatus,
  type RejectedReason,
} from "./payment"
import {
  addOrderLinesSchema,
  AMOUNT_SCALE,
  QUANTITY_SCALE,
  createPaymentSchema,
  managementRequestSchema,
  metadataSchema,
  resursOptionsSchema,
  searchRequestSchema,
  tokenRequestSchema,
  type ResursOptions,
} from "./schemas"

const BASE = "/resurs"
const SCOPES = ["merchant-api", "mock-merchant-api"]
const CURRENCY_BY_COUNTRY: Record<string, string> = { SE: "SEK", NO: "NOK", FI: "EUR", DK: "DKK" }

/** MAPI error body: `{traceId, code, message, timestamp, parameters?}`. */
function mapiError(status: number, code: string, message: string, parameters?: Record<string, string>): SandboxResponse {
  return json(status, { traceId: randomUUID(), code, message, timestamp: new Date().toISOString(), ...(parameters ? { parameters } : {}) })
}

const CODE_BY_STATUS: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  422: "UNPROCESSABLE_ENTITY",
  429: "TOO_MANY_REQUESTS",
  500: "INTERNAL_SERVER_ERROR",
  502: "BAD_GATEWAY",
  503: "SERVICE_UNAVAILABLE",
}

function errorFor(status: number, message: string): SandboxResponse {
  return mapiError(status, CODE_BY_STATUS[status] ?? "ERROR", message)
}

/** An extra credit-decision outcome for the next "approve" (fault injection). */
const creditOutcomeSchema = z.enum(["rejected", "frozen", "inspection"])
type CreditOutcome = z.infer<typeof creditOutcomeSchema>

function createResurs(context: SandboxContext, options: ResursOptions) {
  const payments = new Map<string, Payment>()
  const creditOverrides = new OutcomeOverrides<CreditOutcome>()
  const { clock, tokens, callbacks } = context

  const customerUrl = (payment: Payment) => `${context.publicUrl()}${BASE}/hosted/payments/${payment.id}`

  function parse<Schema extends z.ZodType>(schema: Schema, request: SandboxRequest): z.output<Schema> {
    if (request.bodyError) {
      throw new ResponseError(mapiError(400, "BAD_REQUEST", request.bodyError))
    }
    const result = schema.safeParse(request.body ?? {})
    if (!result.success) {
      throw new ResponseError(mapiError(400, "VALIDATION_ERROR", "Request validation failed", issuesByPath(result.error, "dotted")))
    }
    return result.data
  }

  function authenticate(request: SandboxRequest): void {
    const verdict = tokens.verify(bearerToken(request.headers))
    if ("problem" in verdict || !verdict.subject.startsWith("resurs:")) {
      throw new ResponseError(mapiError(401, "UNAUTHORIZED", "Full authentication is required to access this resource"))
    }
  }

  /** Lazily expires payments whose customer never finished within timeToLiveInMinutes. */
  function load(id: string): Payment {
    const payment = payments.get(id)
    if (!payment) {
      throw new ResponseError(mapiError(404, "NOT_FOUND", `Payment ${id} not found`))
    }
    if (payment.status === "TASK_REDIRECTION_REQUIRED" && clock.nowMs() >= payment.expiresAtMs) {
      reject(payment, "TIMEOUT", false)
    }
    return payment
  }

  /** Callbacks go to the per-payment URLs given at create time, as unsigned JSON. */
  function sendCallback(payment: Payment, kind: "authorization" | "management", event: string, fields: Record<string, string>): void {
    const url = payment.request.options.callbacks?.[kind]?.url
    if (url) {
      callbacks.send({
        psp: "resurs",
        event,
        reference: payment.id,
        url,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ paymentId: payment.id, ...fields, created: clock.now().toISOString() }),
      })
    }
  }

  function sendAuthorizationCallback(payment: Payment, status: "AUTHORIZED" | "CAPTURED" | "FROZEN" | "REJECTED"): void {
    sendCallback(payment, "authorization", `AUTHORIZATION:${status}`, { status })
  }

  function sendManagementCallback(payment: Payment, action: ManagementAction, actionId: string): void {
    sendCallback(payment, "management", `MANAGEMENT:${action}`, { action, actionId })
  }

  function reject(payment: Payment, reason: RejectedReason, tasksCompleted: boolean): void {
    payment.status = "REJECTED"
    payment.rejectedReason = reason
    payment.tasksCompleted = tasksCompleted
    sendAuthorizationCallback(payment, "REJECTED")
  }

  function accept(payment: Payment): void {
    payment.status = "ACCEPTED"
    if (payment.request.options.automaticCapture) {
      const captured = applyAction(payment, "CAPTURE", {}, clock.now())
      if ("actionId" in captured) {
        sendAuthorizationCallback(payment, "CAPTURED")
        return
      }
    }
    sendAuthorizationCallback(payment, "AUTHORIZED")
  }

  /**
   * A hold, as far as the merchant's options allow one. [INFERRED] a merchant that handles neither
   * frozen payments nor manual inspection gets the payment rejected with PAYMENT_FROZEN.
   */
  function hold(payment: Payment, kind: "frozen" | "inspection"): void {
    const { handleFrozenPayments, handleManualInspection } = payment.request.options
    const status: PaymentStatus | undefined =
      kind === "frozen"
        ? handleFrozenPayments ? "FROZEN" : handleManualInspection ? "INSPECTION" : undefined
        : handleManualInspection ? "INSPECTION" : handleFrozenPayments ? "FROZEN" : undefined
    if (!status) {
      reject(payment, "PAYMENT_FROZEN", true)
      return
    }
    payment.status = status
    // MAPI has a FROZEN callback status but none for INSPECTION
    if (status === "FROZEN") {
      sendAuthorizationCallback(payment, "FROZEN")
    }
  }

  /** The shopper's choice on the hosted page; returns where Resurs sends the browser. */
  function decide(payment: Payment, decision: HostedDecision | "inspection"): string | undefined {
    payment.tasksCompleted = decision !== "abandon"
    if (decision === "approve") {
      const override = creditOverrides.take()
      if (override === "rejected") {
        reject(payment, "CREDIT_DENIED", true)
      } else if (override === "frozen" || override === "inspection") {
        hold(payment, override)
      } else {
        accept(payment)
      }
    } else if (decision === "decline") {
      reject(payment, "CREDIT_DENIED", true)
    } else if (decision === "hold" || decision === "inspection") {
      hold(payment, decision === "hold" ? "frozen" : "inspection")
    } else {
      reject(payment, "ABORTED_BY_CUSTOMER", false)
    }
    const urls = payment.request.options.redirectionUrls?.customer
    return payment.status === "REJECTED" ? urls?.failUrl : urls?.successUrl
  }

  function management(action: ManagementAction, name: string, path: string): Route {
    return {
      method: "POST",
      pattern: `${BASE}/v2/payments/:paymentId/${path}`,
      name,
      handler: (request) => {
        authenticate(request)
        const body = parse(managementRequestSchema, request)
        const payment = load(request.params.paymentId)
        const outcome = applyAction(payment, action, body, clock.now())
        if (!("actionId" in outcome)) {
          return mapiError(options.refusalStatus, "INVALID_ACTION", outcome.message, outcome.parameters)
        }
        sendManagementCallback(payment, action, outcome.actionId)
        return json(200, paymentJson(payment, customerUrl(payment)))
      },
    }
  }

  const shopperOutcome = (payment: Payment): ShopperOutcome => {
    switch (payment.status) {
      case "TASK_REDIRECTION_REQUIRED":
        return "awaiting_payment"
      case "ACCEPTED":
        return "approved"
      case "REJECTED":
        return payment.tasksCompleted ? "declined" : "canceled"
      default:
        return "in_review" // FROZEN, INSPECTION, SUPPLEMENTING_REQUIRED
    }
  }

  const hostedPage = (payment: Payment): SandboxResponse => {
    const store = options.stores.find((candidate) => candidate.id === payment.storeId)
    return html(
      200,
      renderHostedPage({
        pspTitle: "Resurs Bank",
        heading: `Pay with ${payment.paymentMethod.name}`,
        reference: payment.orderReference,
        currency: CURRENCY_BY_COUNTRY[store?.countryCode ?? "SE"],
        lines: payment.lines.map((line) => ({
          description: line.description,
          quantity: formatDecimal(line.ordered.quantity, QUANTITY_SCALE).replace(/\.?0+$/, ""),
          amount: formatDecimal(line.ordered.amount, AMOUNT_SCALE),
        })),
        total: formatDecimal(totals(payment).total, AMOUNT_SCALE),
        outcome: shopperOutcome(payment),
        status: payment.status,
        form:
          payment.status === "TASK_REDIRECTION_REQUIRED"
            ? { action: `${BASE}/hosted/payments/${payment.id}`, holdLabel: "Put on hold (frozen)" }
            : undefined,
      })
    )
  }

  const routes: Route[] = [
    {
      method: "POST",
      pattern: `${BASE}/oauth2/token`,
      name: "token",
      handler: (request) => {
        const form = tokenRequestSchema.safeParse(request.body ?? {})
        if (!form.success) {
          return json(400, { error: "invalid_request", error_description: Object.keys(issuesByPath(form.error, "dotted")).join(", ") + " missing or invalid" })
        }
        if (form.data.grant_type !== "client_credentials") {
          return json(400, { error: "unsupported_grant_type" })
        }
        const client = options.clients.find((candidate) => candidate.clientId === form.data.client_id && candidate.clientSecret === form.data.client_secret)
        if (!client) {
          return json(401, { error: "invalid_client" })
        }
        if (form.data.scope !== undefined && !form.data.scope.split(" ").every((scope) => SCOPES.includes(scope))) {
          return json(400, { error: "invalid_scope" })
        }
        const lifetime = options.tokenLifetimeSeconds
        return json(200, { access_token: tokens.issue(`resurs:${client.clientId}`, lifetime), token_type: "Bearer", expires_in: lifetime })
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/v2/stores`,
      name: "stores",
      handler: (request) => {
        authenticate(request)
        return json(200, { content: options.stores, totalElements: options.stores.length })
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/v2/stores/:storeId/payment_methods`,
      name: "payment-methods",
      handler: (request) => {
        authenticate(request)
        if (!options.stores.some((store) => store.id === request.params.storeId)) {
          return mapiError(404, "NOT_FOUND", `Store ${request.params.storeId} not found`)
        }
        return json(200, {
          content: options.paymentMethods.map((method) => ({
            ...method,
            enabledForLegalCustomer: false,
            enabledForNaturalCustomer: true,
            legalLinks: [{ url: `${context.publicUrl()}${BASE}/legal/${method.id}`, type: "PRICE_INFO", appendAmount: true }],
          })),
        })
      },
    },
    {
      method: "POST",
      pattern: `${BASE}/v2/payments`,
      name: "create-payment",
      handler: (request) => {
        authenticate(request)
        const body = parse(createPaymentSchema, request)
        const store = options.stores.find((candidate) => candidate.id === body.storeId)
        if (!store) {
          return mapiError(400, "VALIDATION_ERROR", "Request validation failed", { storeId: "store-not-found" })
        }
        const method = options.paymentMethods.find((candidate) => candidate.id === body.paymentMethodId)
        if (!method) {
          return mapiError(400, "VALIDATION_ERROR", "Request validation failed", { paymentMethodId: "payment-method-not-found" })
        }
        const payment = newPayment({ request: body, countryCode: store.countryCode, paymentMethod: { id: method.id, name: method.description }, now: clock.now() })
        const total = totals(payment).total
        const limit = (value: number) => parseDecimal(value, AMOUNT_SCALE) ?? 0n
        if (total < limit(method.minPurchaseLimit) || total > limit(method.maxPurchaseLimit)) {
          return mapiError(400, "VALIDATION_ERROR", "Request validation failed", {
            "order.orderLines": `total ${formatDecimal(total, AMOUNT_SCALE)} is outside the payment method's limits ${method.minPurchaseLimit}-${method.maxPurchaseLimit}`,
          })
        }
        payments.set(payment.id, payment)
        return json(200, paymentJson(payment, customerUrl(payment)))
      },
    },
    {
      method: "POST",
      pattern: `${BASE}/v2/payments/search`,
      name: "search-payments",
      handler: (request) => {
        authenticate(request)
        const body = parse(searchRequestSchema, request)
        const found = [...payments.values()].filter(
          (payment) =>
            payment.storeId === body.storeId &&
            (body.orderReference === undefined || payment.orderReference === body.orderReference) &&
            (body.governmentId === undefined || payment.request.customer?.governmentId === body.governmentId)
        )
        return json(200, { content: found.map((payment) => paymentJson(payment, customerUrl(payment))), totalElements: found.length })
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/v2/payments/:paymentId`,
      name: "get-payment",
      handler: (request) => {
        authenticate(request)
        const payment = load(request.params.paymentId)
        return json(200, paymentJson(payment, customerUrl(payment)))
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/v2/payments/:paymentId/tasks/status`,
      name: "task-status",
      handler: (request) => {
        authenticate(request)
        const payment = load(request.params.paymentId)
        return json(200, { completed: payment.tasksCompleted, customer: { completed: payment.tasksCompleted } })
      },
    },
    management("CAPTURE", "capture", "capture"),
    management("CANCEL", "cancel", "cancel"),
    management("REFUND", "refund", "refund"),
    {
      method: "POST",
      pattern: `${BASE}/v2/payments/:paymentId/order`,
      name: "add-order-lines",
      handler: (request) => {
        authenticate(request)
        const body = parse(addOrderLinesSchema, request)
        const payment = load(request.params.paymentId)
        const outcome = addLines(payment, body.orderLines, body.creator, clock.now())
        if (!("actionId" in outcome)) {
          return mapiError(options.refusalStatus, "INVALID_ACTION", outcome.message)
        }
        return json(200, paymentJson(payment, customerUrl(payment)))
      },
    },
    {
      method: "PUT",
      pattern: `${BASE}/v2/payments/:paymentId/metadata`,
      name: "metadata",
      handler: (request) => {
        authenticate(request)
        const body = parse(metadataSchema, request)
        const payment = load(request.params.paymentId)
        payment.request.metadata = body
        return json(200, body)
      },
    },
    {
      method: "GET",
      pattern: `${BASE}/hosted/payments/:paymentId`,
      name: "hosted-page",
      handler: (request) => {
        const payment = payments.get(request.params.paymentId)
        return payment ? hostedPage(load(payment.id)) : html(404, "<!doctype html><title>Not found</title><p>Unknown payment</p>")
      },
    },
    {
      method: "POST",
      pattern: `${BASE}/hosted/payments/:paymentId`,
      name: "hosted-page-submit",
      handler: (request) => {
        const payment = payments.get(request.params.paymentId)
        if (!payment) {
          return html(404, "<!doctype html><title>Not found</title><p>Unknown payment</p>")
        }
        const decision = hostedDecisionSchema.safeParse((request.body as { decision?: unknown } | undefined)?.decision)
        if (!decision.success || load(payment.id).status !== "TASK_REDIRECTION_REQUIRED") {
          return hostedPage(payment)
        }
        const target = decide(payment, decision.data)
        return target ? redirect(target) : hostedPage(payment)
      },
    },
  ]

  const controlPayment = (request: SandboxRequest): Payment => {
    const payment = payments.get(request.params.paymentId)
    if (!payment) {
      throw controlError(404, `no Resurs payment ${request.params.paymentId}`)
    }
    return load(payment.id)
  }

  const resolveHold = (release: boolean) => (request: SandboxRequest) => {
    const payment = controlPayment(request)
    if (payment.status !== "FROZEN" && payment.status !== "INSPECTION") {
      throw controlError(409, `payment is ${payment.status}, not FROZEN or INSPECTION`)
    }
    if (release) {
      accept(payment)
    } else {
      reject(payment, payment.status === "FROZEN" ? "PAYMENT_FROZEN" : "CREDIT_DENIED", true)
    }
    return json(200, paymentSnapshot(payment))
  }

  const controlRoutes: Route[] = [
    { method: "GET", pattern: "/_sandbox/resurs/payments", name: "resurs-payments", handler: () => json(200, [...payments.values()].map(paymentSnapshot)) },
    {
      method: "GET",
      pattern: "/_sandbox/resurs/payments/:paymentId",
      name: "resurs-payment",
      handler: (request) => json(200, paymentSnapshot(controlPayment(request))),
    },
    {
      method: "POST",
      pattern: "/_sandbox/resurs/payments/:paymentId/decision",
      name: "resurs-decision",
      handler: (request) => {
        const { decision } = parseControlBody(z.object({ decision: z.union([hostedDecisionSchema, z.literal("inspection")]) }).strict(), request)
        const payment = controlPayment(request)
        if (payment.status !== "TASK_REDIRECTION_REQUIRED") {
          throw controlError(409, `payment is ${payment.status}; the shopper already decided`)
        }
        const redirectTo = decide(payment, decision)
        return json(200, { ...paymentSnapshot(payment), redirectTo: redirectTo ?? null })
      },
    },
    { method: "POST", pattern: "/_sandbox/resurs/payments/:paymentId/release", name: "resurs-release", handler: resolveHold(true) },
    { method: "POST", pattern: "/_sandbox/resurs/payments/:paymentId/reject", name: "resurs-reject", handler: resolveHold(false) },
    {
      method: "POST",
      pattern: "/_sandbox/resurs/payments/:paymentId/expire",
      name: "resurs-expire",
      handler: (request) => {
        const payment = controlPayment(request)
        if (payment.status !== "TASK_REDIRECTION_REQUIRED") {
          throw controlError(409, `payment is ${payment.status}; only a payment awaiting the shopper expires`)
        }
        reject(payment, "TIMEOUT", false)
        return json(200, paymentSnapshot(payment))
      },
    },
    {
      method: "POST",
      pattern: "/_sandbox/resurs/credit-decision",
      name: "resurs-credit-decision",
      handler: (request) => {
        const { outcome, times } = parseControlBody(z.object({ outcome: creditOutcomeSchema, times: z.number().int().min(1).optional() }).strict(), request)
        creditOverrides.set(outcome, times)
        return json(200, creditOverrides.list())
      },
    },
    { method: "GET", pattern: "/_sandbox/resurs/credit-decision", name: "resurs-credit-decisions", handler: () => json(200, creditOverrides.list()) },
  ]

  return {
    routes,
    controlRoutes,
    errorResponse: errorFor,
    orders: () => [...payments.values()].map(paymentSnapshot),
    reset: () => {
      payments.clear()
      creditOverrides.clear()
    },
  }
}

export const resurs = definePsp({
  name: "resurs",
  title: "Resurs Bank Merchant API 2.0",
  basePath: `${BASE}/`,
  options: resursOptionsSchema,
  create: createResurs,
})
