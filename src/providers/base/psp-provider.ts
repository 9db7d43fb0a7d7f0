/**
 * The one Medusa payment provider implementation, shared by every PSP (the Stripe package's
 * model: one base, thin subclasses). A subclass names its identifier, its options schema and how
 * to build its connector; everything Medusa asks of a provider is answered here, over the
 * connector and the payment ledger.
 *
 * The rule for every answer: the PSP's state is fetched, never taken from the storefront or a
 * callback. Money moved by the plugin's own workflows is recorded in Medusa without calling the
 * provider again (`is_captured`); what arrives here from Medusa core (admin buttons, order
 * cancel) is journaled in the ledger under Medusa's idempotency key before the PSP is called.
 */
import {
  AbstractPaymentProvider,
  MedusaError,
  PaymentActions,
  PaymentSessionStatus,
} from "@medusajs/framework/utils"
import type {
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  CancelPaymentInput,
  CancelPaymentOutput,
  CapturePaymentInput,
  CapturePaymentOutput,
  DeletePaymentInput,
  DeletePaymentOutput,
  GetPaymentStatusInput,
  GetPaymentStatusOutput,
  InitiatePaymentInput,
  InitiatePaymentOutput,
  ListPaymentMethodsOutput,
  ProviderWebhookPayload,
  RefundPaymentInput,
  RefundPaymentOutput,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from "@medusajs/framework/types"
import type { z } from "zod"
import { PspError } from "../../connectors/errors"
import type { Connector, PspPayment } from "../../connectors/types"
import { LedgerError } from "../../lifecycle/ledger"
import { toMinorUnits } from "../../lifecycle/money"
import type { CheckoutLine } from "../../lifecycle/order-lines"
import { sessionStatusFor } from "../../lifecycle/payment-state"
import { ledgerService, pspLedger } from "./ledger-port"
import { runMoneyOperation, settleUnknownOperations, type OperationContext } from "./operations"
import {
  fillUrlTemplate,
  parseProviderOptions,
  type BaseProviderOptions,
} from "./options"
import { registerConnector } from "./registry"
import {
  checkoutDataSchema,
  deserializeLine,
  pspSessionDataSchema,
  type PspSessionData,
} from "./session-data"

type ProviderClass<TOptions> = {
  identifier: string
  optionsSchema: z.ZodType<TOptions>
}

export abstract class PspProvider<TOptions extends BaseProviderOptions> extends AbstractPaymentProvider<TOptions> {
  protected readonly options: TOptions
  protected readonly connector: Connector

  /** Validates the provider's options at boot; one line per bad or missing field. */
  static override validateOptions(this: ProviderClass<unknown>, options: Record<string, unknown>): void {
    parseProviderOptions(this.identifier, this.optionsSchema, options)
  }

  protected constructor(cradle: Record<string, unknown>, rawOptions: TOptions) {
    super(cradle, rawOptions)
    const klass = this.constructor as unknown as ProviderClass<TOptions>
    this.options = parseProviderOptions(klass.identifier, klass.optionsSchema, rawOptions)
    this.connector = this.createConnector(this.options)
    registerConnector(klass.identifier, this.options.id, this.connector)
  }

  protected abstract createConnector(options: TOptions): Connector

  /** The PSP's name in messages shown to shoppers and admins ("Resurs Bank"). */
  protected abstract readonly pspDisplayName: string

  /** The path segment of this provider's callback URL: `<identifier>_<id>`, as Medusa names providers. */
  get routingKey(): string {
    const identifier = (this.constructor as unknown as ProviderClass<TOptions>).identifier
    return `${identifier}_${this.options.id ?? identifier}`
  }

  /** Medusa's id for this provider, assuming `options.id` names its medusa-config entry (default: the identifier). */
  get providerId(): string {
    return `pp_${this.routingKey}`
  }

  callbackUrl(): string {
    return `${this.options.backendUrl.replace(/\/+$/, "")}/hooks/psp/${this.routingKey}`
  }

  /** The storefront's return URL if it has the configured origin, else the configured one. */
  protected returnUrls(requested: unknown, values: Record<string, string>): { success: string; fail: string } {
    const configured = fillUrlTemplate(this.options.returnUrl, values)
    const fail = fillUrlTemplate(this.options.cancelUrl ?? this.options.returnUrl, values)
    if (typeof requested === "string") {
      try {
        if (new URL(requested).origin === new URL(this.options.returnUrl).origin) {
          return { success: requested, fail: requested }
        }
      } catch {
        // not a URL: fall back to the configured one
      }
    }
    return { success: configured, fail }
  }

  protected sessionData(data: Record<string, unknown> | undefined): PspSessionData {
    const parsed = pspSessionDataSchema.safeParse(data ?? {})
    if (!parsed.success) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `${this.pspDisplayName}: the payment data lacks ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}; ` +
          "was this session created by this provider?"
      )
    }
    return parsed.data
  }

  protected snapshotData(payment: PspPayment): Record<string, unknown> {
    return {
      psp_state: payment.state,
      psp_status: payment.rawStatus,
      ...(payment.redirectUrl ? { redirect_url: payment.redirectUrl } : {}),
    }
  }

  /** Re-throws PSP failures as MedusaErrors whose message says what the PSP said, never secrets. */
  protected asMedusaError(error: unknown): unknown {
    if (error instanceof LedgerError) {
      return new MedusaError(MedusaError.Types.NOT_ALLOWED, error.message)
    }
    if (error instanceof PspError) {
      return new MedusaError(MedusaError.Types.UNEXPECTED_STATE, error.message)
    }
    return error
  }

  async initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    const currency = input.currency_code.toLowerCase()
    const amount = toMinorUnits(input.amount, currency)
    const sessionId = String(input.data?.session_id ?? input.context?.idempotency_key ?? "")
    if (!sessionId) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `${this.pspDisplayName}: no payment session id`)
    }

    const checkout = checkoutDataSchema.safeParse(input.data?.checkout)
    const lines: CheckoutLine[] = checkout.success
      ? checkout.data.lines.map(deserializeLine)
      : [{ reference: "payment", description: "Order payment", kind: "product", quantity: 1, totalAmount: amount, vatRate: "0" }]
    const linesTotal = lines.reduce((sum, line) => sum + line.totalAmount, 0n)
    if (linesTotal !== amount) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `${this.pspDisplayName}: the cart's lines add up to ${linesTotal} but the session amount is ${amount} (minor units); refresh the cart and create the session again`
      )
    }
    const cartId = checkout.success ? checkout.data.cart_id : sessionId

    const ledger = pspLedger(this.providerId)
    const instrument = await ledger.openInstrument({
      sessionId,
      currency,
      amount,
      lines,
    })
    try {
      const created = await this.connector.createCheckout({
        key: sessionId,
        orderReference: cartId,
        currency,
        amount,
        lines,
        ...(checkout.success ? { customer: checkout.data.customer } : {}),
        returnUrls: this.returnUrls(input.data?.return_url, { cart_id: cartId, session_id: sessionId }),
        callbackUrl: this.callbackUrl(),
      })
      await ledger.attachPspReference(instrument.id, created.pspReference, created.payment.rawStatus)
      const data: PspSessionData & Record<string, unknown> = {
        session_id: sessionId,
        psp_reference: created.pspReference,
        currency_code: currency,
        amount: amount.toString(),
        ...this.snapshotData(created.payment),
        redirect_url: created.redirectUrl,
      }
      return { id: created.pspReference, data, status: PaymentSessionStatus.PENDING }
    } catch (error) {
      throw this.asMedusaError(error)
    }
  }

  /** Cart completion: fetch the PSP's decision, check it binds to this session, report it. */
  async authorizePayment(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const session = this.sessionData(input.data)
    const payment = await this.fetchAndRecord(session, "authorize")
    const expected = BigInt(session.amount)
    if (payment.totalAmount !== expected) {
      throw new MedusaError(
        MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR,
        `${this.pspDisplayName} payment ${session.psp_reference} is for ${payment.totalAmount}, not the session's ${expected} (minor units); it is not accepted for this cart`
      )
    }
    const status = sessionStatusFor(payment.state)
    switch (status) {
      case "requires_more":
        throw new MedusaError(
          MedusaError.Types.PAYMENT_REQUIRES_MORE_ERROR,
          `The shopper has not completed the ${this.pspDisplayName} payment page yet (${payment.rawStatus}).`
        )
      case "error":
      case "canceled":
        throw new MedusaError(
          MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR,
          `${this.pspDisplayName} did not approve the payment (${payment.rawStatus}). Choose a payment method again to retry.`
        )
      default:
        if (status === "authorized" || status === "captured") {
          await this.journalAuthorization(session)
        }
        return { status: status as PaymentSessionStatus, data: { ...input.data, ...this.snapshotData(payment) } }
    }
  }

  /** The PSP authorized the payment: record it in the instrument's ledger (idempotent per session). */
  private async journalAuthorization(session: PspSessionData): Promise<void> {
    const { ledger, instrument } = await this.operationContext(session)
    const key = `authorize:${session.session_id}`
    await ledger.beginOperation(instrument.id, { idempotency_key: key, kind: "authorize", origin: key })
    await ledger.completeOperation(key)
  }

  async getPaymentStatus(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    const session = this.sessionData(input.data)
    const payment = await this.fetchAndRecord(session, "status")
    return {
      status: sessionStatusFor(payment.state) as PaymentSessionStatus,
      data: { ...input.data, ...this.snapshotData(payment) },
    }
  }

  async retrievePayment(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    const session = this.sessionData(input.data)
    const payment = await this.fetchAndRecord(session, "retrieve")
    return { data: { ...input.data, ...this.snapshotData(payment) } }
  }

  /** Medusa replaces sessions when the cart changes; an amount change here cannot be honoured. */
  async updatePayment(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    const data = input.data ?? {}
    const parsed = pspSessionDataSchema.safeParse(data)
    if (parsed.success && toMinorUnits(input.amount, parsed.data.currency_code) !== BigInt(parsed.data.amount)) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `${this.pspDisplayName} payments cannot change amount; create a new payment session for the updated cart`
      )
    }
    return { data }
  }

  /** The cart changed or the shopper switched method: release the PSP payment if it still holds money. */
  async deletePayment(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    const parsed = pspSessionDataSchema.safeParse(input.data ?? {})
    if (!parsed.success) {
      return { data: input.data ?? {} }
    }
    const session = parsed.data
    try {
      const payment = await this.connector.getPayment(session.psp_reference, session.currency_code)
      if (payment.state !== "rejected" && payment.state !== "canceled" && payment.capturedAmount === 0n) {
        const canceled = await this.connector.cancel(session.psp_reference, {
          key: `delete-${session.session_id}`,
          currency: session.currency_code,
        })
        await pspLedger(this.providerId).recordPspStatus(session.psp_reference, canceled.rawStatus, "session deleted")
      }
    } catch (error) {
      // the PSP expires unfinished payments on its own (time to live); never block the cart on it
      this.logger()?.warn(
        `${this.pspDisplayName}: could not cancel payment ${session.psp_reference} of deleted session ${session.session_id}: ${(error as Error).message}`
      )
    }
    return { data: input.data ?? {} }
  }

  /** The instrument of a session, with what runMoneyOperation needs. */
  protected async operationContext(session: PspSessionData): Promise<OperationContext> {
    const ledger = ledgerService()
    const instrument = await ledger.findInstrumentBySession(session.session_id)
    if (!instrument) {
      throw new MedusaError(MedusaError.Types.NOT_FOUND, `${this.pspDisplayName}: no payment instrument for session ${session.session_id}`)
    }
    return { ledger, connector: this.connector, instrument }
  }

  /**
   * Medusa asks for a capture (admin button, or the plugin recording a capture it already made)
   * under the id of the Capture row it just created, with no amount: the amount is read from
   * that row. A capture the plugin already made at the PSP for this amount is adopted; an
   * unknown earlier attempt is settled first (Medusa retries with a new key, medusajs/medusa#16292);
   * only then is the PSP asked, under the Capture id.
   */
  async capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    const session = this.sessionData(input.data)
    const medusaId = String(input.context?.idempotency_key ?? "")
    const amount = await this.medusaCaptureAmount(medusaId, session.currency_code)
    const payment = await this.recordOrRun(session, "capture", medusaId, amount)
    return { data: { ...input.data, ...this.snapshotData(payment) } }
  }

  /** Like capturePayment, for refunds: Medusa passes the amount and the Refund id. */
  async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    const session = this.sessionData(input.data)
    const medusaId = String(input.context?.idempotency_key ?? "")
    const payment = await this.recordOrRun(session, "refund", medusaId, toMinorUnits(input.amount, session.currency_code))
    return { data: { ...input.data, ...this.snapshotData(payment) } }
  }

  private async recordOrRun(session: PspSessionData, kind: "capture" | "refund", medusaId: string, amount: bigint): Promise<PspPayment> {
    if (!medusaId) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `${this.pspDisplayName}: Medusa passed no ${kind} id`)
    }
    const context = await this.operationContext(session)
    const claim = () =>
      context.ledger.claimOperationForMedusaRecord({ instrument_id: context.instrument.id, kind, amount, medusa_record_id: medusaId })
    try {
      if (!(await claim())) {
        const { operations } = await context.ledger.getInstrumentWithHistory(context.instrument.id)
        await settleUnknownOperations(context, operations.filter((operation) => operation.kind === kind))
        if (!(await claim())) {
          try {
            // made for this Medusa record from the start, so no other recorder takes it
            await runMoneyOperation(context, { kind, key: medusaId, origin: `admin:${medusaId}`, amount, medusaRecordId: medusaId })
          } catch (error) {
            // Medusa deletes its Capture/Refund when this throws: whatever the PSP did must stay recordable
            await context.ledger.releaseMedusaRecord({ idempotency_key: medusaId, medusa_record_id: medusaId })
            throw error
          }
        }
      }
      return await this.connector.getPayment(session.psp_reference, session.currency_code)
    } catch (error) {
      throw this.asMedusaError(error)
    }
  }

  private async medusaCaptureAmount(captureId: string, currency: string): Promise<bigint> {
    const captureService = (this.container as { captureService?: { retrieve(id: string): Promise<{ raw_amount?: unknown; amount: unknown }> } })
      .captureService
    if (!captureService || !captureId) {
      throw new MedusaError(MedusaError.Types.UNEXPECTED_STATE, `${this.pspDisplayName}: cannot read the amount of capture ${captureId}`)
    }
    const capture = await captureService.retrieve(captureId)
    return toMinorUnits((capture.raw_amount ?? capture.amount) as never, currency)
  }

  /** Order canceled (or authorization rolled back): release what is still reserved. */
  async cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const parsed = pspSessionDataSchema.safeParse(input.data ?? {})
    if (!parsed.success) {
      return { data: input.data ?? {} }
    }
    const session = parsed.data
    try {
      const context = await this.operationContext(session)
      const key = `cancel:${String(input.context?.idempotency_key ?? session.session_id)}`
      await runMoneyOperation(context, { kind: "cancel", key, origin: key })
      const payment = await this.connector.getPayment(session.psp_reference, session.currency_code)
      return { data: { ...input.data, ...this.snapshotData(payment) } }
    } catch (error) {
      throw this.asMedusaError(error)
    }
  }

  /** No saved payment methods at these PSPs; also the call workflows use to have Medusa build this provider. */
  async listPaymentMethods(): Promise<ListPaymentMethodsOutput> {
    return []
  }

  /**
   * Callbacks do not come through Medusa's `/hooks/payment/*` route (which answers 200 before
   * verifying and drops failed/canceled actions) but through this plugin's `/hooks/psp/*`.
   */
  async getWebhookActionAndData(_payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult> {
    return { action: PaymentActions.NOT_SUPPORTED }
  }

  protected async fetchAndRecord(session: PspSessionData, source: string): Promise<PspPayment> {
    try {
      const payment = await this.connector.getPayment(session.psp_reference, session.currency_code)
      await pspLedger(this.providerId).recordPspStatus(session.psp_reference, payment.rawStatus, source)
      return payment
    } catch (error) {
      throw this.asMedusaError(error)
    }
  }

  private logger(): { warn(message: string): void } | undefined {
    return (this.container as { logger?: { warn(message: string): void } }).logger
  }
}
