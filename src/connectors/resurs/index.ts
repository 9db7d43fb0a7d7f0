/**
 * Resurs Bank Merchant API 2.0 connector: OAuth2 client credentials, payments with order lines,
 * line-level capture / cancel / refund, and fetch-back verification of callbacks.
 *
 * Resurs has no idempotency keys. We send our key as `transactionId` on captures and refunds, and
 * before any capture or refund we look for it in the payment's actionLog, so a retry after an
 * unknown outcome never moves money twice.
 */
import { PspAuthenticationError, PspProtocolError } from "../errors"
import { createPspHttpClient, type PspErrorBody, type PspHttpClient, type RetryPolicy } from "../http"
import { createTokenCache, type TokenCache } from "../token-cache"
import type {
  CallbackHint,
  CallbackInput,
  Connector,
  CreateCheckoutInput,
  CreatedCheckout,
  MoneyOperationInput,
  PspPayment,
} from "../types"
import { parseResursCallback } from "./callbacks"
import {
  fromResursPayment,
  toResursCreatePayment,
  toResursManagementRequest,
  type ResursCheckoutSettings,
} from "./mapping"
import { resursErrorSchema, resursPaymentSchema, resursTokenSchema } from "./schemas"

export type ResursConnectorConfig = ResursCheckoutSettings & {
  baseUrl: string
  clientId: string
  clientSecret: string
  scope: string
  timeoutMs: number
  tokenRefreshMarginSeconds: number
  retry?: RetryPolicy
}

export function parseResursError(body: unknown): PspErrorBody {
  const parsed = resursErrorSchema.safeParse(body)
  if (!parsed.success) {
    return {}
  }
  const error = parsed.data
  return {
    code: error.code !== undefined ? String(error.code) : error.error,
    message: error.message ?? error.error_description,
    traceId: error.traceId,
    fields: error.parameters,
  }
}

export class ResursConnector implements Connector {
  readonly psp = "resurs"
  /** what Resurs's own ecom library answers to an accepted callback */
  readonly callbackAcceptedStatus = 202
  readonly movesMoneyByLines = true
  private readonly http: PspHttpClient
  private readonly token: TokenCache

  constructor(private readonly config: ResursConnectorConfig) {
    this.token = createTokenCache(() => this.fetchToken(), {
      refreshMarginSeconds: config.tokenRefreshMarginSeconds,
    })
    this.http = createPspHttpClient({
      psp: this.psp,
      baseUrl: config.baseUrl,
      timeoutMs: config.timeoutMs,
      retry: config.retry,
      authHeaders: async () => ({ Authorization: `Bearer ${await this.token.get()}` }),
      onUnauthorized: () => this.token.invalidate(),
      parseErrorBody: parseResursError,
    })
  }

  private async fetchToken(): Promise<{ token: string; expiresInSeconds: number }> {
    const form = new URLSearchParams({
      client_id: this.config.clientId,
      client_secret: this.config.clientSecret,
      scope: this.config.scope,
      grant_type: "client_credentials",
    })
    const response = await this.http.axios
      .post("oauth2/token", form.toString(), {
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      })
      .catch((error: unknown) => {
        throw new PspAuthenticationError(`resurs token: no answer (${error instanceof Error ? error.message : error})`, {
          psp: this.psp,
          operation: "token",
        })
      })
    if (response.status !== 200) {
      const body = parseResursError(response.data)
      throw new PspAuthenticationError(
        `resurs token refused: ${body.code ?? `HTTP ${response.status}`}${body.message ? ` (${body.message})` : ""}`,
        { psp: this.psp, operation: "token", httpStatus: response.status, code: body.code }
      )
    }
    const parsed = resursTokenSchema.safeParse(response.data)
    if (!parsed.success) {
      throw new PspProtocolError("resurs token: response has no access_token/expires_in", {
        psp: this.psp,
        operation: "token",
      })
    }
    return { token: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in }
  }

  async createCheckout(input: CreateCheckoutInput): Promise<CreatedCheckout> {
    const { data } = await this.http.request({
      operation: "create payment",
      method: "POST",
      path: "v2/payments",
      body: toResursCreatePayment(input, this.config),
      // a repeated create would open a second payment at Resurs
      safeToRetry: false,
      response: resursPaymentSchema,
    })
    const payment = fromResursPayment(data, input.currency)
    if (!payment.redirectUrl) {
      throw new PspProtocolError(`resurs create payment: no taskRedirectionUrls.customerUrl (status ${data.status})`, {
        psp: this.psp,
        operation: "create payment",
      })
    }
    return { pspReference: data.id, redirectUrl: payment.redirectUrl, payment }
  }

  async getPayment(pspReference: string, currency: string): Promise<PspPayment> {
    const { data } = await this.http.request({
      operation: "get payment",
      method: "GET",
      path: `v2/payments/${encodeURIComponent(pspReference)}`,
      safeToRetry: true,
      response: resursPaymentSchema,
    })
    return fromResursPayment(data, currency)
  }

  private async manage(
    action: "capture" | "refund" | "cancel",
    pspReference: string,
    input: { key: string; currency: string; lines?: MoneyOperationInput["lines"] }
  ): Promise<PspPayment> {
    // Resurs records transactionId on captures and refunds only; a cancel with nothing left to
    // cancel is already done
    const transactionId = action === "cancel" ? undefined : input.key.slice(0, 50)
    const current = await this.getPayment(pspReference, input.currency)
    if (transactionId && current.actions.some((entry) => entry.kind === action && entry.key === transactionId)) {
      return current
    }
    if (action === "cancel" && current.authorizedAmount === 0n) {
      return current
    }
    const { data } = await this.http.request({
      operation: action,
      method: "POST",
      path: `v2/payments/${encodeURIComponent(pspReference)}/${action}`,
      body: toResursManagementRequest(input.currency, this.config.creator, input.lines, transactionId),
      safeToRetry: false,
      response: resursPaymentSchema,
    })
    return fromResursPayment(data, input.currency)
  }

  capture(pspReference: string, input: MoneyOperationInput): Promise<PspPayment> {
    return this.manage("capture", pspReference, input)
  }

  refund(pspReference: string, input: MoneyOperationInput): Promise<PspPayment> {
    return this.manage("refund", pspReference, input)
  }

  cancel(pspReference: string, input: Omit<MoneyOperationInput, "amount">): Promise<PspPayment> {
    return this.manage("cancel", pspReference, input)
  }

  parseCallback(input: CallbackInput): CallbackHint {
    return parseResursCallback(input)
  }
}
