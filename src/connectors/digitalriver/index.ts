/**
 * Digital River connector: a merchant of record whose captures and cancels are implicit. The
 * merchant reports shipped units (`POST /fulfillments` with `items[].quantity`) and cancelled units
 * (`cancelQuantity`) per order item; Digital River captures or voids the matching money later and
 * says so in signed events (`order.charge.capture.complete|failed`, `order.charge.cancel.complete`).
 *
 * - Checkout: a Drop-in checkout session (hosted page) whose `upstreamId` is our payment session
 *   key. Digital River creates the order only when the shopper pays: until the order is known the
 *   payment is read by that upstreamId (`GET /orders?upstreamIds=`), then by the order id, which
 *   becomes the payment's reference (`PspPayment.pspReference`; the engine keeps it).
 * - Captures, cancels and refunds are one POST each, `accepted`: the action turns `succeeded` or
 *   `failed` when Digital River settles it. Fulfillments have no idempotency at Digital River: our
 *   operation key goes in the fulfillment's (and refund's) `metadata`, where the engine finds it on
 *   the order's record (`GET /fulfillments?orderId=`) before any re-send (capabilities.echoesKey).
 * - Bearer secret key; amounts are decimal major units converted only in mapping.ts.
 */
import type { z } from "zod"
import { PspNotFoundError, PspProtocolError, PspRequestRejectedError } from "../errors"
import { createPspHttpClient, type PspErrorBody, type PspHttpClient, type RetryPolicy } from "../http"
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
import { currencyExponent } from "../../lifecycle/money"
import { acknowledgeDigitalRiverCallback, DR_HANDLED_EVENT_TYPES, parseDigitalRiverCallback } from "./callbacks"
import {
  awaitingShopper,
  DigitalRiverMappingError,
  fromDigitalRiverOrder,
  lineIdsOf,
  metadataKey,
  toCheckoutSessionRequest,
  toFulfillmentRequest,
  toRefundRequest,
  unitsLeft,
} from "./mapping"
import {
  drCheckoutSessionSchema,
  drErrorSchema,
  drFulfillmentListSchema,
  drFulfillmentSchema,
  drOrderListSchema,
  drOrderSchema,
  drRefundListSchema,
  drRefundSchema,
  drWebhookListSchema,
  drWebhookSchema,
  METADATA_VALUE_MAX_LENGTH,
  OPERATION_KEY_METADATA,
  type DigitalRiverFulfillment,
  type DigitalRiverOrder,
  type DigitalRiverRefund,
  type DigitalRiverWebhookRequest,
} from "./schemas"

export { DR_HANDLED_EVENT_TYPES } from "./callbacks"

/**
 * Currencies Digital River prices with the same number of decimals as ISO 4217 (the sandbox's and
 * Digital River's zero-decimal list differs from ISO for HUF and TWD, which are left out).
 */
export const DIGITAL_RIVER_DEFAULT_CURRENCIES = ["usd", "eur", "gbp", "sek", "nok", "dkk", "chf", "pln", "czk", "cad", "aud", "nzd", "jpy", "krw"] as const

export const DIGITAL_RIVER_API_VERSION = "2021-12-13"

export type DigitalRiverConnectorConfig = {
  baseUrl: string
  /** the confidential API key (`sk_test_…` / `sk_live_…`), sent as `Authorization: Bearer` */
  secretKey: string
  /** every webhook signing secret currently valid (during a rotation: the new and the previous) */
  signingSecrets: readonly string[]
  signatureToleranceSeconds: number
  /** what the signature covers; see callbacks.ts */
  signedPayload?: "timestamp" | "timestamp-part"
  currencies?: readonly string[]
  locale?: string
  /** register the callback URL as a webhook (POST /webhooks) before a checkout when none is there */
  registerWebhook?: boolean
  timeoutMs: number
  retry?: RetryPolicy
}

export function parseDigitalRiverError(body: unknown): PspErrorBody {
  const parsed = drErrorSchema.safeParse(body)
  if (!parsed.success || parsed.data.errors.length === 0) {
    return parsed.success && parsed.data.type ? { code: parsed.data.type } : {}
  }
  const [first] = parsed.data.errors
  const fields = Object.fromEntries(
    parsed.data.errors.filter((error) => error.parameter).map((error) => [error.parameter as string, error.message ?? error.code ?? "invalid"])
  )
  return { code: first.code ?? parsed.data.type, message: first.message, ...(Object.keys(fields).length ? { fields } : {}) }
}

/** DR order ids are numeric strings (`"231388420336"`); our upstreamIds (payment session ids) are not. */
const isOrderId = (reference: string) => /^\d+$/.test(reference)

const MAX_PAGES = 50

export class DigitalRiverConnector implements Connector {
  readonly psp = "digitalriver"
  readonly capabilities: ConnectorCapabilities
  private readonly http: PspHttpClient

  constructor(private readonly config: DigitalRiverConnectorConfig) {
    if (config.signingSecrets.length === 0) {
      throw new Error("Digital River needs at least one webhook signing secret")
    }
    const currencies = (config.currencies ?? DIGITAL_RIVER_DEFAULT_CURRENCIES).map((code) => code.toLowerCase())
    for (const code of currencies) {
      if (currencyExponent(code) > 2) {
        throw new Error(`Digital River takes amounts with at most 2 decimals; ${code.toUpperCase()} has more`)
      }
    }
    this.capabilities = {
      moneyBy: "lines",
      // a fulfillment or refund is answered at once and settled later (events, or a read)
      settlement: "asynchronous",
      // cancelQuantity per item: named lines, or every unit still open
      cancel: "lines",
      // our key in the fulfillment's and refund's metadata
      echoesKey: { maxLength: METADATA_VALUE_MAX_LENGTH },
      currencies,
    }
    this.http = createPspHttpClient({
      psp: this.psp,
      baseUrl: config.baseUrl,
      timeoutMs: config.timeoutMs,
      retry: config.retry,
      authHeaders: async () => ({ Authorization: `Bearer ${config.secretKey}`, "Content-Type": "application/json" }),
      parseErrorBody: parseDigitalRiverError,
    })
  }

  private assertCurrency(operation: string, currency: string): void {
    if (!this.capabilities.currencies!.includes(currency.toLowerCase())) {
      throw new PspRequestRejectedError(
        `digitalriver ${operation}: not sent, ${currency.toUpperCase()} is not among the configured Digital River currencies (${this.capabilities.currencies!.join(", ").toUpperCase()})`,
        { psp: this.psp, operation, code: "currency_not_supported" }
      )
    }
  }

  private rejected(operation: string, error: DigitalRiverMappingError): PspRequestRejectedError {
    return new PspRequestRejectedError(`digitalriver ${operation}: not sent, ${error.message}`, { psp: this.psp, operation, code: "invalid_lines" })
  }

  /** The callback URL as a webhook for the events we act on, unless one is registered already. */
  private async ensureWebhook(address: string): Promise<void> {
    const { data } = await this.http.request({
      operation: "list webhooks",
      method: "GET",
      path: "webhooks?limit=100",
      safeToRetry: true,
      response: drWebhookListSchema,
    })
    if (data.data.some((webhook) => webhook.address === address && webhook.enabled)) {
      return
    }
    const body: DigitalRiverWebhookRequest = {
      types: [...DR_HANDLED_EVENT_TYPES],
      // the OpenAPI's enum: "default" or a literal date placeholder; events then carry the account's version
      apiVersion: "default",
      address,
      transportType: "HTTP",
      enabled: true,
    }
    await this.http.request({ operation: "create webhook", method: "POST", path: "webhooks", body, safeToRetry: false, response: drWebhookSchema })
  }

  async createCheckout(input: CreateCheckoutInput): Promise<CreatedCheckout> {
    this.assertCurrency("create checkout session", input.currency)
    let body
    try {
      body = toCheckoutSessionRequest(input, { locale: this.config.locale })
    } catch (error) {
      throw error instanceof DigitalRiverMappingError ? this.rejected("create checkout session", error) : error
    }
    if (this.config.registerWebhook) {
      await this.ensureWebhook(input.callbackUrl)
    }
    const { data } = await this.http.request({
      operation: "create checkout session",
      method: "POST",
      path: "drop-in/checkout-sessions",
      body,
      // a repeated create would open a second checkout session
      safeToRetry: false,
      response: drCheckoutSessionSchema,
    })
    if (!data.link) {
      throw new PspProtocolError("digitalriver create checkout session: no link to the Drop-in checkout", { psp: this.psp, operation: "create checkout session" })
    }
    // the order does not exist yet: the payment is our upstreamId until Digital River makes it
    return { pspReference: input.key, redirectUrl: data.link, payment: awaitingShopper(input, input.key, data.link) }
  }

  /** The order: by id, or by our upstreamId before its id is known. */
  private async order(reference: string): Promise<DigitalRiverOrder> {
    if (isOrderId(reference)) {
      const { data } = await this.http.request({
        operation: "get order",
        method: "GET",
        path: `orders/${encodeURIComponent(reference)}`,
        safeToRetry: true,
        response: drOrderSchema,
      })
      return data
    }
    const { data } = await this.http.request({
      operation: "find order",
      method: "GET",
      path: `orders?upstreamIds=${encodeURIComponent(reference)}&limit=100`,
      safeToRetry: true,
      response: drOrderListSchema,
    })
    const matching = data.data.filter((order) => order.upstreamId === reference)
    const order = matching.find((candidate) => !["cancelled", "blocked"].includes(candidate.state)) ?? matching[0]
    if (!order) {
      throw new PspNotFoundError(
        `digitalriver: no order for checkout ${reference} yet (the shopper has not finished the Drop-in checkout)`,
        { psp: this.psp, operation: "find order" }
      )
    }
    return order
  }

  /** Every page of a list (newest first at Digital River). */
  private async listAll<T extends { id: string }>(operation: string, path: string, schema: z.ZodType<{ hasMore: boolean; data: T[] }>): Promise<T[]> {
    const all: T[] = []
    let startingAfter: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const { data } = await this.http.request({
        operation,
        method: "GET",
        path: `${path}&limit=100${startingAfter ? `&startingAfter=${encodeURIComponent(startingAfter)}` : ""}`,
        safeToRetry: true,
        response: schema,
      })
      const items = data.data
      all.push(...items)
      if (!data.hasMore || items.length === 0) {
        return all
      }
      startingAfter = items[items.length - 1].id
    }
    throw new PspProtocolError(`digitalriver ${operation}: more than ${MAX_PAGES} pages`, { psp: this.psp, operation })
  }

  private fulfillments(orderId: string): Promise<DigitalRiverFulfillment[]> {
    return this.listAll<DigitalRiverFulfillment>("list fulfillments", `fulfillments?orderId=${encodeURIComponent(orderId)}`, drFulfillmentListSchema)
  }

  private refunds(orderId: string): Promise<DigitalRiverRefund[]> {
    return this.listAll<DigitalRiverRefund>("list refunds", `refunds?orderId=${encodeURIComponent(orderId)}`, drRefundListSchema)
  }

  /** The order with its fulfillments and refunds: every capture, cancel and refund with our keys. */
  async getPayment(pspReference: string, currency: string): Promise<PspPayment> {
    const orderId = isOrderId(pspReference) ? pspReference : (await this.order(pspReference)).id
    const [fulfillments, refunds] = await Promise.all([this.fulfillments(orderId), this.refunds(orderId)])
    // the order last: its totals and charge are at least as new as the lists, so an operation seen
    // settled in a list is never missing from the totals (a list a moment older only waits longer)
    const order = await this.order(orderId)
    return fromDigitalRiverOrder(order, fulfillments, refunds, currency)
  }

  /** The order id and item ids an operation needs; read only when the engine does not hold them yet. */
  private async target(pspReference: string, lines: PspOrderLine[] | undefined, lineIds: Record<string, string> | undefined): Promise<{ orderId: string; lineIds: Record<string, string> }> {
    const known = lineIds && (lines ?? []).every((line) => lineIds[line.reference])
    if (known && isOrderId(pspReference)) {
      return { orderId: pspReference, lineIds: lineIds! }
    }
    const order = await this.order(pspReference)
    return { orderId: order.id, lineIds: lineIdsOf(order) }
  }

  /**
   * One POST /fulfillments. A 409 `order_fulfilled` is not a failure to report as such: the order's
   * fulfillments are read, and one carrying our key is this operation (an earlier send of it);
   * otherwise every unit was already shipped or cancelled by fulfillments we did not send, which
   * the engine adopts from the order's record, and this one is refused with that reason.
   */
  private async postFulfillment(operation: "capture" | "cancel", orderId: string, body: ReturnType<typeof toFulfillmentRequest>, key: string): Promise<MoneyOperationOutcome> {
    try {
      const { data } = await this.http.request({
        operation,
        method: "POST",
        path: "fulfillments",
        body,
        // no idempotency at Digital River: a timeout or 5xx is an unknown outcome for the engine to settle
        safeToRetry: false,
        response: drFulfillmentSchema,
      })
      return { status: "accepted", pspOperationIds: [data.id] }
    } catch (error) {
      if (!(error instanceof PspRequestRejectedError) || error.details.httpStatus !== 409 || error.details.code !== "order_fulfilled") {
        throw error
      }
      const sent = metadataKey(key)
      const ours = (await this.fulfillments(orderId)).find((fulfillment) => fulfillment.metadata?.[OPERATION_KEY_METADATA] === sent)
      if (ours) {
        return { status: "accepted", pspOperationIds: [ours.id] }
      }
      throw new PspRequestRejectedError(
        `digitalriver ${operation}: order ${orderId} is already fully fulfilled or cancelled by fulfillments this plugin did not send; ` +
          "nothing was sent again (what Digital River captured there is taken from its record)",
        { ...error.details }
      )
    }
  }

  async capture(pspReference: string, input: MoneyOperationInput): Promise<MoneyOperationOutcome> {
    this.assertCurrency("capture", input.currency)
    if (!input.lines?.length) {
      throw new PspRequestRejectedError("digitalriver capture: not sent, Digital River captures shipped units of named lines", {
        psp: this.psp,
        operation: "capture",
        code: "lines_required",
      })
    }
    const { orderId, lineIds } = await this.target(pspReference, input.lines, input.lineIds)
    let body
    try {
      body = toFulfillmentRequest(orderId, "ship", input.lines, lineIds, input.key)
    } catch (error) {
      throw error instanceof DigitalRiverMappingError ? this.rejected("capture", error) : error
    }
    return this.postFulfillment("capture", orderId, body, input.key)
  }

  /**
   * Cancels the named lines' units, or every unit still open (neither shipped nor cancelled, read
   * from the order's fulfillments) when none are named: a fulfillment with `cancelQuantity`.
   * Nothing open: nothing is sent, and nothing is reserved any more.
   */
  async cancel(pspReference: string, input: Omit<MoneyOperationInput, "amount"> & { amount?: bigint }): Promise<MoneyOperationOutcome> {
    this.assertCurrency("cancel", input.currency)
    let lines: Array<Pick<PspOrderLine, "reference" | "quantity">>
    let target: { orderId: string; lineIds: Record<string, string> }
    if (input.lines?.length) {
      lines = input.lines
      target = await this.target(pspReference, input.lines, input.lineIds)
    } else {
      const order = await this.order(pspReference)
      target = { orderId: order.id, lineIds: lineIdsOf(order) }
      const byItem = new Map(Object.entries(target.lineIds).map(([reference, itemId]) => [itemId, reference]))
      const left = unitsLeft(order, await this.fulfillments(order.id))
      // items without our reference (made elsewhere) are named by their id
      for (const item of order.items) {
        if (!byItem.has(item.id)) {
          target.lineIds[item.id] = item.id
          byItem.set(item.id, item.id)
        }
      }
      lines = [...left].filter(([, units]) => units > 0).map(([itemId, units]) => ({ reference: byItem.get(itemId)!, quantity: units }))
      if (lines.length === 0) {
        return { status: "succeeded", pspOperationIds: [] }
      }
    }
    let body
    try {
      body = toFulfillmentRequest(target.orderId, "cancel", lines, target.lineIds, input.key)
    } catch (error) {
      throw error instanceof DigitalRiverMappingError ? this.rejected("cancel", error) : error
    }
    return this.postFulfillment("cancel", target.orderId, body, input.key)
  }

  /** A refund of exactly the named lines (never more than Digital River's availableToRefundAmount: it refuses that). */
  async refund(pspReference: string, input: MoneyOperationInput): Promise<MoneyOperationOutcome> {
    this.assertCurrency("refund", input.currency)
    if (!input.lines?.length) {
      throw new PspRequestRejectedError("digitalriver refund: not sent, refunds name the lines they refund", {
        psp: this.psp,
        operation: "refund",
        code: "lines_required",
      })
    }
    const { orderId, lineIds } = await this.target(pspReference, input.lines, input.lineIds)
    let body
    try {
      body = toRefundRequest(orderId, input.currency, input.lines, lineIds, input.key)
    } catch (error) {
      throw error instanceof DigitalRiverMappingError ? this.rejected("refund", error) : error
    }
    const { data } = await this.http.request({
      operation: "refund",
      method: "POST",
      path: "refunds",
      body,
      safeToRetry: false,
      response: drRefundSchema,
    })
    return { status: "accepted", pspOperationIds: [data.id] }
  }

  parseCallback(input: CallbackInput): CallbackHint {
    return parseDigitalRiverCallback(input, {
      signingSecrets: this.config.signingSecrets,
      toleranceSeconds: this.config.signatureToleranceSeconds,
      signedPayload: this.config.signedPayload,
    })
  }

  /** an event about an order this store does not know (the account's other orders): taken, nothing stored */
  acknowledgeUnknown(_hint: CallbackHint): CallbackAcknowledgement {
    return { status: 202, body: { received: true, ignored: true } }
  }

  acknowledge(_hint: CallbackHint, duplicate: boolean): CallbackAcknowledgement {
    return acknowledgeDigitalRiverCallback(duplicate)
  }
}
