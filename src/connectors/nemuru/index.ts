/**
 * Nemuru Order API connector: login with a bearer token (cached, refreshed), orders created with
 * our notification URL and an Authorization value unique to the order, the order id read from the
 * `Id` response header, item-level capture and refund (transactional or asynchronous), and
 * notifications verified by that header.
 *
 * Nemuru keeps no key of ours on its captures and refunds: operations are found again by the ids
 * Nemuru gives them (`pspOperationIds`). Each money operation is one POST, never preceded by a
 * read, except when the engine does not know Nemuru's item ids yet (the order is then read once
 * for them: a read of ids, not of the operation's state; de-duplication stays the engine's).
 */
import { PspAuthenticationError, PspProtocolError, PspRateLimitedError, PspRequestRejectedError } from "../errors"
import { createPspHttpClient, parseRetryAfter, type PspErrorBody, type PspHttpClient, type RetryPolicy } from "../http"
import { createTokenCache, type TokenCache } from "../token-cache"
import type {
  CallbackAcknowledgement,
  CallbackHint,
  CallbackInput,
  Connector,
  ConnectorCapabilities,
  CreateCheckoutInput,
  CreatedCheckout,
  MoneyOperationInput,
  MoneyOperationOutcome,
  PspPayment,
} from "../types"
import { acknowledgeNemuruNotification, notificationAuthorization, parseNemuruNotification } from "./callbacks"
import { fromNemuruOrder, MissingLineIdError, toNemuruCreateOrder, toNemuruOperation, type NemuruCheckoutSettings } from "./mapping"
import { nemuruCreateOrderResponseSchema, nemuruErrorSchema, nemuruOperationSchema, nemuruOrderSchema, nemuruTokenSchema } from "./schemas"

/**
 * The API paths, relative to the base URL; `{id}` is the order id. Login and order creation are
 * documented; the others are [INFERRED] (get, capture, refund) or the sandbox's (cancel), and stay
 * configurable until Nemuru confirms them.
 */
export type NemuruPaths = {
  login: string
  createOrder: string
  order: string
  capture: string
  refund: string
  cancel: string
}

export const DEFAULT_NEMURU_PATHS: NemuruPaths = {
  login: "auth/login/",
  createOrder: "v2/order/",
  order: "v2/order/{id}/",
  capture: "v2/order/{id}/capture/",
  refund: "v2/order/{id}/refund/",
  cancel: "v2/order/{id}/cancel/",
}

export type NemuruConnectorConfig = NemuruCheckoutSettings & {
  baseUrl: string
  username: string
  password: string
  /** `true`: the lender confirms before Nemuru answers (final); `false`: confirmed later by notification */
  transactional: boolean
  /** answer `approved` notifications with `autoconfirm: true` */
  autoConfirm: boolean
  /** derives each order's notification Authorization value (HMAC-SHA256); never sent or logged as is */
  notificationSecret: string
  paths?: Partial<NemuruPaths>
  /** the response header carrying the new order's id (documented: `Id`) */
  orderIdHeader?: string
  timeoutMs: number
  tokenRefreshMarginSeconds: number
  retry?: RetryPolicy
}

/** Nemuru's error object: the exception's class name is the code, `error` the message. */
export function parseNemuruError(body: unknown): PspErrorBody {
  const parsed = nemuruErrorSchema.safeParse(body)
  if (!parsed.success) {
    return {}
  }
  const error = parsed.data
  return {
    code: error.exception?.split("\\").filter(Boolean).pop(),
    message: error.error,
    fields: error.schema_errors,
  }
}

export class NemuruConnector implements Connector {
  readonly psp = "nemuru"
  readonly capabilities: ConnectorCapabilities
  private readonly http: PspHttpClient
  private readonly token: TokenCache
  private readonly paths: NemuruPaths
  private readonly orderIdHeader: string

  constructor(private readonly config: NemuruConnectorConfig) {
    if (!config.notificationSecret) {
      throw new Error("Nemuru needs a notificationSecret to authenticate its notifications")
    }
    this.paths = { ...DEFAULT_NEMURU_PATHS, ...config.paths }
    this.orderIdHeader = (config.orderIdHeader ?? "Id").toLowerCase()
    this.capabilities = {
      moneyBy: "lines",
      settlement: config.transactional ? "synchronous" : "asynchronous",
      // the whole order is canceled while nothing is captured; Nemuru has no partial release
      cancel: "all",
      echoesKey: false,
      currencies: ["eur"],
    }
    this.token = createTokenCache(() => this.login(), { refreshMarginSeconds: config.tokenRefreshMarginSeconds })
    this.http = createPspHttpClient({
      psp: this.psp,
      baseUrl: config.baseUrl,
      timeoutMs: config.timeoutMs,
      retry: config.retry,
      authHeaders: async () => ({ Authorization: `Bearer ${await this.token.get()}` }),
      onUnauthorized: () => this.token.invalidate(),
      parseErrorBody: parseNemuruError,
    })
  }

  private path(template: keyof NemuruPaths, orderId?: string): string {
    return this.paths[template].replace("{id}", encodeURIComponent(orderId ?? ""))
  }

  private async login(): Promise<{ token: string; expiresInSeconds: number }> {
    const response = await this.http.axios
      .post(this.path("login"), { username: this.config.username, password: this.config.password }, { headers: { "Content-Type": "application/json" } })
      .catch((error: unknown) => {
        throw new PspAuthenticationError(`nemuru login: no answer (${error instanceof Error ? error.message : error})`, {
          psp: this.psp,
          operation: "login",
        })
      })
    if (response.status === 429) {
      throw new PspRateLimitedError(
        "nemuru login: rate limited (HTTP 429)",
        { psp: this.psp, operation: "login", httpStatus: 429 },
        parseRetryAfter(response.headers["retry-after"])
      )
    }
    if (response.status !== 200 && response.status !== 201) {
      const body = parseNemuruError(response.data)
      throw new PspAuthenticationError(
        `nemuru login refused: ${body.code ?? `HTTP ${response.status}`}${body.message ? ` (${body.message})` : ""}`,
        { psp: this.psp, operation: "login", httpStatus: response.status, code: body.code }
      )
    }
    const parsed = nemuruTokenSchema.safeParse(response.data)
    if (!parsed.success) {
      throw new PspProtocolError("nemuru login: response has no access_token/expires_in", { psp: this.psp, operation: "login" })
    }
    return { token: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in }
  }

  private assertEur(operation: string, currency: string): void {
    if (!this.capabilities.currencies!.includes(currency.toLowerCase())) {
      throw new PspRequestRejectedError(`nemuru ${operation}: not sent, Nemuru takes EUR only (got ${currency.toUpperCase()})`, {
        psp: this.psp,
        operation,
        code: "currency_not_supported",
      })
    }
  }

  async createCheckout(input: CreateCheckoutInput): Promise<CreatedCheckout> {
    this.assertEur("create order", input.currency)
    let body
    try {
      body = toNemuruCreateOrder(input, { product: this.config.product }, notificationAuthorization(this.config.notificationSecret, input.key))
    } catch (error) {
      throw new PspRequestRejectedError(`nemuru create order: not sent, ${(error as Error).message}`, { psp: this.psp, operation: "create order" })
    }
    const { data, headers } = await this.http.request({
      operation: "create order",
      method: "POST",
      path: this.path("createOrder"),
      body,
      // a repeated create would open a second order at Nemuru
      safeToRetry: false,
      response: nemuruCreateOrderResponseSchema,
    })
    const orderId = headers[this.orderIdHeader]
    if (!orderId) {
      throw new PspProtocolError(`nemuru create order: no ${this.orderIdHeader} header in the answer`, { psp: this.psp, operation: "create order" })
    }
    let payment: PspPayment
    try {
      // the item ids Nemuru gave our lines, and the state, from the order itself
      payment = await this.getPayment(orderId, input.currency)
    } catch {
      // the order exists: keep its reference; the item ids are read on the next sync
      payment = {
        pspReference: orderId,
        state: "awaiting_shopper",
        rawStatus: "pending",
        currency: input.currency.toLowerCase(),
        totalAmount: input.amount,
        authorizedAmount: 0n,
        capturedAmount: 0n,
        refundedAmount: 0n,
        canceledAmount: 0n,
        actions: [],
      }
    }
    const redirectUrl = data.redirect_url ?? payment.redirectUrl
    if (!redirectUrl) {
      throw new PspProtocolError(`nemuru create order: no redirect_url for order ${orderId}`, { psp: this.psp, operation: "create order" })
    }
    return { pspReference: orderId, redirectUrl, payment: { ...payment, redirectUrl } }
  }

  async getPayment(pspReference: string, currency: string): Promise<PspPayment> {
    const { data } = await this.http.request({
      operation: "get order",
      method: "GET",
      path: this.path("order", pspReference),
      safeToRetry: true,
      response: nemuruOrderSchema,
    })
    return fromNemuruOrder(data, currency)
  }

  /** Nemuru's item ids, from the engine (stored with the instrument) or, failing that, the order. */
  private async lineIds(pspReference: string, input: MoneyOperationInput): Promise<Record<string, string>> {
    const known = input.lineIds ?? {}
    if ((input.lines ?? []).every((line) => known[line.reference])) {
      return known
    }
    return { ...(await this.getPayment(pspReference, input.currency)).lineIds, ...known }
  }

  private async moveMoney(kind: "capture" | "refund", pspReference: string, input: MoneyOperationInput): Promise<MoneyOperationOutcome> {
    this.assertEur(kind, input.currency)
    if (!input.lines?.length) {
      throw new PspRequestRejectedError(`nemuru ${kind}: not sent, Nemuru ${kind}s name the order's items and none were given`, {
        psp: this.psp,
        operation: kind,
        code: "lines_required",
      })
    }
    let body
    try {
      body = toNemuruOperation(input.lines, await this.lineIds(pspReference, input), this.config.transactional)
    } catch (error) {
      if (error instanceof MissingLineIdError) {
        throw new PspRequestRejectedError(`nemuru ${kind}: not sent, ${error.message}`, { psp: this.psp, operation: kind, code: "unknown_line" })
      }
      throw error
    }
    const { data, headers } = await this.http.request({
      operation: kind,
      method: "POST",
      path: this.path(kind, pspReference),
      body,
      // Nemuru does not de-duplicate: a timeout or 5xx is an unknown outcome for the engine to settle
      safeToRetry: false,
      response: nemuruOperationSchema,
    })
    const id = data.id ?? headers[this.orderIdHeader]
    if (data.status === "rejected") {
      throw new PspRequestRejectedError(`nemuru ${kind} rejected by the lender${data.reason ? `: ${data.reason}` : ""}`, {
        psp: this.psp,
        operation: kind,
        code: "lender_rejected",
      })
    }
    // transactional: the 201 means the lender confirmed; otherwise it only means "initiated"
    return { status: data.status === "confirmed" ? "succeeded" : "accepted", pspOperationIds: [id] }
  }

  capture(pspReference: string, input: MoneyOperationInput): Promise<MoneyOperationOutcome> {
    return this.moveMoney("capture", pspReference, input)
  }

  refund(pspReference: string, input: MoneyOperationInput): Promise<MoneyOperationOutcome> {
    return this.moveMoney("refund", pspReference, input)
  }

  /**
   * Cancels the whole order (Nemuru releases all or nothing, and only while nothing is captured:
   * otherwise it refuses, and the refusal says so). The canceled order's record carries the
   * release as an action whose id is the order's.
   */
  async cancel(pspReference: string, input: Omit<MoneyOperationInput, "amount"> & { amount?: bigint }): Promise<MoneyOperationOutcome> {
    const { data } = await this.http.request({
      operation: "cancel",
      method: "POST",
      path: this.path("cancel", pspReference),
      body: {},
      safeToRetry: false,
      response: nemuruOrderSchema,
    })
    const payment = fromNemuruOrder(data, input.currency)
    return { status: "succeeded", pspOperationIds: payment.actions.filter((action) => action.kind === "cancel").map((action) => action.id), payment }
  }

  parseCallback(input: CallbackInput): CallbackHint {
    return parseNemuruNotification(input, this.config.notificationSecret)
  }

  acknowledge(hint: CallbackHint, duplicate: boolean): CallbackAcknowledgement {
    return acknowledgeNemuruNotification(hint, duplicate, this.config.autoConfirm)
  }
}
