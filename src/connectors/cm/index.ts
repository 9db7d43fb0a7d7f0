/**
 * CM.com Payments "PSP API" connector (psp-protocols.md §3): HTTP Basic with the merchant's name
 * and password, the merchant key in the path, integer minor units.
 *
 * One CM order is paid by one or more CM payments (tenders): a gift card and a card, a failed
 * attempt next to an authorized one. Captures and refunds go to one payment each
 * (`MoneyOperationInput.tenderId`; chosen by `chooseTender` when the engine names none). CM keeps
 * our key on captures (`reference`) and refunds (`refund_reference`), so the engine finds an
 * operation whose answer was lost by its key. CM has no cancel in this API: an authorization's
 * uncaptured rest is left to expire (`cancel: "none"`).
 */
import { PspProtocolError, PspRequestRejectedError } from "../errors"
import { createPspHttpClient, type PspErrorBody, type PspHttpClient, type RetryPolicy } from "../http"
import { fitKey } from "../keys"
import { minorUnitsToSafeNumber } from "../../lifecycle/money"
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
import { acknowledgeCmCallback, parseCmCallback } from "./callbacks"
import { chooseTender, fromCmOrder, toCmCreateOrder, toCmItems, type CmCheckoutSettings } from "./mapping"
import {
  CM_CAPTURE_REFERENCE_MAX_LENGTH,
  CM_REFUND_REFERENCE_MAX_LENGTH,
  cmCaptureResponseSchema,
  cmCreateOrderResponseSchema,
  cmErrorSchema,
  cmItemsResponseSchema,
  cmOrderListSchema,
  cmOrderSchema,
  cmRefundResponseSchema,
  type CmOrder,
} from "./schemas"

export { chooseTender, fromCmOrder, cmOrderState, toCmCreateOrder, toCmItems } from "./mapping"
export { parseCmCallback } from "./callbacks"

export type CmConnectorConfig = CmCheckoutSettings & {
  /** up to and including `/merchants/`; the merchant key follows */
  baseUrl: string
  merchantName: string
  merchantPassword: string
  merchantKey: string
  /** the currencies this CM account takes, ISO 4217 lower case */
  currencies: readonly string[]
  timeoutMs: number
  /** what the refund's `description` says (CM shows it on the shopper's statement) */
  refundDescription: string
  retry?: RetryPolicy
}

export function parseCmError(body: unknown): PspErrorBody {
  const parsed = cmErrorSchema.safeParse(body)
  if (!parsed.success) {
    return {}
  }
  return {
    message: parsed.data.message,
    ...(parsed.data.errors?.length ? { fields: Object.fromEntries(parsed.data.errors.map((error) => [error.field, error.message])) } : {}),
  }
}

export class CmConnector implements Connector {
  readonly psp = "cm"
  readonly capabilities: ConnectorCapabilities
  private readonly http: PspHttpClient

  constructor(private readonly config: CmConnectorConfig) {
    this.capabilities = {
      moneyBy: "amount",
      // a capture or refund is answered 201 once applied
      settlement: "synchronous",
      // no cancel call in the PSP API: the uncaptured rest expires
      cancel: "none",
      echoesKey: { maxLength: Math.min(CM_CAPTURE_REFERENCE_MAX_LENGTH, CM_REFUND_REFERENCE_MAX_LENGTH) },
      currencies: config.currencies.map((code) => code.toLowerCase()),
    }
    const base = config.baseUrl.endsWith("/") ? config.baseUrl : `${config.baseUrl}/`
    const basic = Buffer.from(`${config.merchantName}:${config.merchantPassword}`, "utf8").toString("base64")
    this.http = createPspHttpClient({
      psp: this.psp,
      baseUrl: `${base}${encodeURIComponent(config.merchantKey)}/`,
      timeoutMs: config.timeoutMs,
      retry: config.retry,
      authHeaders: async () => ({ Authorization: `Basic ${basic}` }),
      parseErrorBody: parseCmError,
    })
  }

  private assertCurrency(operation: string, currency: string): void {
    if (!this.capabilities.currencies!.includes(currency.toLowerCase())) {
      throw new PspRequestRejectedError(
        `cm ${operation}: not sent, this CM.com account takes ${this.capabilities.currencies!.join(", ").toUpperCase()} only (got ${currency.toUpperCase()})`,
        { psp: this.psp, operation, code: "currency_not_supported" }
      )
    }
  }

  private payment(order: CmOrder): PspPayment {
    return fromCmOrder(order, this.config)
  }

  async createCheckout(input: CreateCheckoutInput): Promise<CreatedCheckout> {
    this.assertCurrency("create order", input.currency)
    const { data } = await this.http.request({
      operation: "create order",
      method: "POST",
      path: "orders",
      body: toCmCreateOrder(input, this.config),
      // CM refuses a second order with the same order_reference; a lost answer is found by findCheckout
      safeToRetry: false,
      response: cmCreateOrderResponseSchema,
    })
    if (input.lines.length) {
      // the basket is shown on the menu only: money moves by amount, so a failure here is not fatal
      await this.http
        .request({ operation: "add items", method: "POST", path: `orders/${encodeURIComponent(data.order_key)}/items`, body: toCmItems(input), safeToRetry: false, response: cmItemsResponseSchema })
        .catch(() => undefined)
    }
    const order = await this.getOrder(data.order_key)
    return { pspReference: data.order_key, redirectUrl: data.url, payment: { ...this.payment(order), redirectUrl: data.url } }
  }

  /** A lost create is found by its order reference, which is our key. */
  async findCheckout(input: CreateCheckoutInput): Promise<CreatedCheckout | undefined> {
    const { data } = await this.http.request({
      operation: "list orders",
      method: "GET",
      path: `orders?order_reference=${encodeURIComponent(input.key)}`,
      safeToRetry: true,
      response: cmOrderListSchema,
    })
    const order = data.find((candidate) => candidate.order_reference === input.key)
    if (!order) {
      return undefined
    }
    // the menu URL is only in the create answer; CM's menu takes the order key
    const menu = new URL(`../../../../menu/${encodeURIComponent(order.order_key)}`, this.config.baseUrl.endsWith("/") ? this.config.baseUrl : `${this.config.baseUrl}/`).toString()
    return { pspReference: order.order_key, redirectUrl: menu, payment: { ...this.payment(order), redirectUrl: menu } }
  }

  private async getOrder(orderKey: string): Promise<CmOrder> {
    const { data } = await this.http.request({
      operation: "get order",
      method: "GET",
      path: `orders/${encodeURIComponent(orderKey)}`,
      safeToRetry: true,
      response: cmOrderSchema,
    })
    return data
  }

  async getPayment(pspReference: string, _currency: string): Promise<PspPayment> {
    return this.payment(await this.getOrder(pspReference))
  }

  /**
   * The CM payment to move money on: the one the engine named, else `chooseTender` over the order
   * as CM shows it now. This read only locates the payment; it never decides whether to send (the
   * engine's lease and its read of the PSP's record do).
   */
  private async tenderFor(kind: "capture" | "refund", pspReference: string, input: MoneyOperationInput): Promise<string> {
    if (input.tenderId) {
      return input.tenderId
    }
    const payment = await this.getPayment(pspReference, input.currency)
    const choice = chooseTender(kind, payment.tenders ?? [], input.amount)
    if ("refused" in choice) {
      throw new PspRequestRejectedError(`cm ${kind}: not sent, ${choice.refused}`, { psp: this.psp, operation: kind, code: "tender_split_required" })
    }
    return choice.tender.id
  }

  async capture(pspReference: string, input: MoneyOperationInput): Promise<MoneyOperationOutcome> {
    this.assertCurrency("capture", input.currency)
    const tenderId = await this.tenderFor("capture", pspReference, input)
    const { data } = await this.http.request({
      operation: "capture",
      method: "POST",
      path: `orders/${encodeURIComponent(pspReference)}/payments/${encodeURIComponent(tenderId)}/captures`,
      body: { amount: minorUnitsToSafeNumber(input.amount), currency: input.currency.toUpperCase(), reference: fitKey(input.key, CM_CAPTURE_REFERENCE_MAX_LENGTH) },
      // CM does not de-duplicate: a timeout or 5xx is an unknown outcome for the engine to settle
      safeToRetry: false,
      response: cmCaptureResponseSchema,
    })
    if (BigInt(data.amount) !== input.amount) {
      throw new PspProtocolError(`cm capture: CM answered ${data.amount}, we asked ${input.amount} (minor units)`, { psp: this.psp, operation: "capture" })
    }
    return { status: "succeeded", pspOperationIds: data.id ? [data.id] : [] }
  }

  async refund(pspReference: string, input: MoneyOperationInput): Promise<MoneyOperationOutcome> {
    this.assertCurrency("refund", input.currency)
    const tenderId = await this.tenderFor("refund", pspReference, input)
    const { data } = await this.http.request({
      operation: "refund",
      method: "POST",
      path: `orders/${encodeURIComponent(pspReference)}/payments/${encodeURIComponent(tenderId)}/refunds`,
      body: {
        refund_reference: fitKey(input.key, CM_REFUND_REFERENCE_MAX_LENGTH),
        description: this.config.refundDescription,
        amount: minorUnitsToSafeNumber(input.amount),
        currency: input.currency.toUpperCase(),
      },
      safeToRetry: false,
      response: cmRefundResponseSchema,
    })
    if (BigInt(data.amount) !== input.amount) {
      throw new PspProtocolError(`cm refund: CM answered ${data.amount}, we asked ${input.amount} (minor units)`, { psp: this.psp, operation: "refund" })
    }
    return { status: "succeeded", pspOperationIds: data.merchant_request_key ? [data.merchant_request_key] : [] }
  }

  /**
   * CM's PSP API has no cancel: the engine completes a cancel without calling (capabilities.cancel
   * "none") and the uncaptured rest expires at CM. Called anyway, it refuses and sends nothing.
   */
  async cancel(_pspReference: string, _input: Omit<MoneyOperationInput, "amount"> & { amount?: bigint }): Promise<MoneyOperationOutcome> {
    throw new PspRequestRejectedError("cm cancel: CM.com's PSP API has no cancel; the uncaptured rest expires", {
      psp: this.psp,
      operation: "cancel",
      code: "cancel_not_supported",
    })
  }

  parseCallback(input: CallbackInput): CallbackHint {
    return parseCmCallback(input)
  }

  acknowledge(_hint: CallbackHint, _duplicate: boolean): CallbackAcknowledgement {
    return acknowledgeCmCallback()
  }

  /** CM retries a ping it did not see succeed: an order we do not know is acknowledged, nothing stored. */
  acknowledgeUnknown(_hint: CallbackHint): CallbackAcknowledgement {
    return acknowledgeCmCallback()
  }
}
