/**
 * Resurs Bank Merchant API 2.0 connector: OAuth2 client credentials, payments with order lines,
 * line-level capture / cancel / refund, and fetch-back verification of callbacks.
 *
 * Resurs has no idempotency keys. We send our key as `transactionId` on captures and refunds
 * (hashed to fit when too long, keys.ts) and Resurs keeps it on the actionLog entry: that is how the
 * engine finds an operation whose answer was lost (matching.ts). Each money operation here is one
 * POST, never preceded by a read: de-duplication belongs to the engine (lease, then a read of the
 * PSP's record before any re-send), not to a read-then-write race in the connector.
 */
import { currencyExponent } from "../../lifecycle/money"
import { PspAuthenticationError, PspProtocolError, PspRateLimitedError, PspRequestRejectedError } from "../errors"
import { createPspHttpClient, parseRetryAfter, type PspErrorBody, type PspHttpClient, type RetryPolicy } from "../http"
import { fitKey } from "../keys"
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
  PspOrderLine,
  PspPayment,
} from "../types"
import { acknowledgeResursCallback, parseResursCallback } from "./callbacks"
import {
  fromResursPayment,
  SESSION_METADATA_KEY,
  toResursCreatePayment,
  toResursManagementRequest,
  toResursOrderReference,
  type ResursCheckoutSettings,
} from "./mapping"
import {
  RESURS_TRANSACTION_ID_MAX_LENGTH,
  resursErrorSchema,
  resursPaymentSchema,
  resursPaymentSearchSchema,
  resursTokenSchema,
  type ResursPayment,
} from "./schemas"

export type ResursConnectorConfig = ResursCheckoutSettings & {
  /**
   * the Resurs store's currency, ISO 4217 (`sek`): Resurs payloads carry none, the store's country
   * decides it (SEK Sweden, NOK Norway, DKK Denmark, EUR Finland)
   */
  currency: string
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

type ActionLogEntry = ResursPayment["order"]["actionLog"][number]

/** The newest actionLog entry that matches (the log is in the order Resurs applied the actions). */
function lastEntry(payment: ResursPayment, matches: (entry: ActionLogEntry) => boolean): ActionLogEntry | undefined {
  return [...payment.order.actionLog].reverse().find(matches)
}

export class ResursConnector implements Connector {
  readonly psp = "resurs"
  readonly capabilities: ConnectorCapabilities
  private readonly currency: string
  private readonly http: PspHttpClient
  private readonly token: TokenCache

  constructor(private readonly config: ResursConnectorConfig) {
    this.currency = config.currency.toLowerCase()
    // Resurs amounts have at most 2 decimals: a store currency with more could not be sent exactly
    if (currencyExponent(this.currency) > 2) {
      throw new Error(`Resurs takes amounts with at most 2 decimals; ${config.currency.toUpperCase()} has more`)
    }
    this.capabilities = {
      moneyBy: "lines",
      // capture, refund and cancel answer the Payment with the action applied (or an error)
      settlement: "synchronous",
      // Resurs cancels named orderLines, or everything still cancellable when none are named
      cancel: "lines",
      echoesKey: { maxLength: RESURS_TRANSACTION_ID_MAX_LENGTH },
      currencies: [this.currency],
    }
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
    if (response.status === 429) {
      // slowed down, not refused: nothing was sent yet, the operation stays open under its key
      const retryAfterSeconds = parseRetryAfter(response.headers["retry-after"])
      throw new PspRateLimitedError(
        "resurs token: rate limited (HTTP 429)",
        { psp: this.psp, operation: "token", httpStatus: 429 },
        retryAfterSeconds
      )
    }
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

  /** Resurs would take any cart in the store's currency: another currency must never reach it. */
  private assertStoreCurrency(operation: string, currency: string): void {
    if (currency.toLowerCase() !== this.currency) {
      throw new PspRequestRejectedError(
        `resurs ${operation}: not sent, this Resurs store takes ${this.currency.toUpperCase()} only (got ${currency.toUpperCase()})`,
        { psp: this.psp, operation, code: "currency_not_supported" }
      )
    }
  }

  async createCheckout(input: CreateCheckoutInput): Promise<CreatedCheckout> {
    this.assertStoreCurrency("create payment", input.currency)
    const { data } = await this.http.request({
      operation: "create payment",
      method: "POST",
      path: "v2/payments",
      body: toResursCreatePayment(input, this.config),
      // a repeated create would open a second payment at Resurs
      safeToRetry: false,
      response: resursPaymentSchema,
    })
    return this.createdCheckout(data, input.currency)
  }

  /** A lost create is found by its order reference and our key in the payment's metadata. */
  async findCheckout(input: CreateCheckoutInput): Promise<CreatedCheckout | undefined> {
    const { data } = await this.http.request({
      operation: "search payments",
      method: "POST",
      path: "v2/payments/search",
      body: { storeId: this.config.storeId, orderReference: toResursOrderReference(input.orderReference) },
      safeToRetry: true,
      response: resursPaymentSearchSchema,
    })
    const made = data.content.find((payment) =>
      (payment.metadata?.custom ?? []).some((entry) => entry.key === SESSION_METADATA_KEY && entry.value === input.key)
    )
    return made ? this.createdCheckout(made, input.currency) : undefined
  }

  private createdCheckout(data: ResursPayment, currency: string): CreatedCheckout {
    const payment = fromResursPayment(data, currency)
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

  /** One POST; Resurs answers the whole Payment, the new action included. */
  private async manage(
    action: "capture" | "refund" | "cancel",
    pspReference: string,
    input: { currency: string; lines?: PspOrderLine[]; transactionId?: string }
  ): Promise<ResursPayment> {
    this.assertStoreCurrency(action, input.currency)
    const { data } = await this.http.request({
      operation: action,
      method: "POST",
      path: `v2/payments/${encodeURIComponent(pspReference)}/${action}`,
      body: toResursManagementRequest(input.currency, this.config.creator, input.lines, input.transactionId),
      // Resurs does not de-duplicate: a timeout or 5xx is an unknown outcome for the engine to settle
      safeToRetry: false,
      response: resursPaymentSchema,
    })
    return data
  }

  private async moveMoney(
    action: "capture" | "refund",
    pspReference: string,
    input: MoneyOperationInput
  ): Promise<MoneyOperationOutcome> {
    const transactionId = fitKey(input.key, RESURS_TRANSACTION_ID_MAX_LENGTH)
    const data = await this.manage(action, pspReference, { ...input, transactionId })
    const type = action === "capture" ? "CAPTURE" : "REFUND"
    // the newest entry with our transactionId is the one this request made
    const entry = lastEntry(data, (logged) => logged.type === type && logged.transactionId === transactionId)
    return {
      status: "succeeded",
      // none when Resurs (against its model) kept no transactionId: the money moved all the same,
      // and the engine finds the action again by key or amount
      pspOperationIds: entry ? [entry.actionId] : [],
      payment: fromResursPayment(data, input.currency),
    }
  }

  capture(pspReference: string, input: MoneyOperationInput): Promise<MoneyOperationOutcome> {
    return this.moveMoney("capture", pspReference, input)
  }

  refund(pspReference: string, input: MoneyOperationInput): Promise<MoneyOperationOutcome> {
    return this.moveMoney("refund", pspReference, input)
  }

  /**
   * Releases the named lines, or all that is still reserved. Resurs keeps no transactionId on
   * cancels, and without a read before the POST the entries already there are unknown: the last
   * CANCEL entry of the answer is taken as this one. A cancel with nothing left to cancel is
   * refused by Resurs (an error, PspRequestRejectedError); its error body does not say why in any
   * documented way, so the engine reads the payment to tell "already released" from a refusal.
   */
  async cancel(
    pspReference: string,
    input: Omit<MoneyOperationInput, "amount"> & { amount?: bigint }
  ): Promise<MoneyOperationOutcome> {
    const data = await this.manage("cancel", pspReference, input)
    const entry = lastEntry(data, (logged) => logged.type === "CANCEL")
    return {
      status: "succeeded",
      pspOperationIds: entry ? [entry.actionId] : [],
      payment: fromResursPayment(data, input.currency),
    }
  }

  parseCallback(input: CallbackInput): CallbackHint {
    return parseResursCallback(input)
  }

  acknowledge(_hint: CallbackHint, duplicate: boolean): CallbackAcknowledgement {
    return acknowledgeResursCallback(duplicate)
  }
}
