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
import { PspAuthenticationError, PspError, PspNotFoundError } from "../../connectors/errors"
import type { Connector, PspPayment } from "../../connectors/types"
import { operationKey } from "../../lifecycle/keys"
import { LedgerError } from "../../lifecycle/ledger"
import { toMinorUnits } from "../../lifecycle/money"
import { sessionStatusFor } from "../../lifecycle/payment-state"
import { newLease, runMoneyOperation, settleInstrument, type OperationContext } from "../../settlement"
import { rememberRead, sharedRead } from "../../settlement/recent-reads"
import { checkoutRequest, openCheckout } from "./checkout"
import { ledgerService, pspLedger } from "./ledger-port"
import { recordOrRunForMedusa } from "./medusa-records"
import {
  fillUrlTemplate,
  parseProviderOptions,
  type BaseProviderOptions,
} from "./options"
import { registerConnector } from "./registry"
import { pspSessionDataSchema, type PspSessionData } from "./session-data"

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
    if (error instanceof PspAuthenticationError) {
      // the shop's problem, not the shopper's: say what to do to each
      this.logger()?.error(`${this.pspDisplayName} refused the shop's credentials: check the provider's options. ${error.message}`)
      return new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Payment with ${this.pspDisplayName} is unavailable right now. Choose another payment method, or try again later.`
      )
    }
    if (error instanceof PspError) {
      return new MedusaError(MedusaError.Types.UNEXPECTED_STATE, error.message)
    }
    return error
  }

  async initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    try {
      const request = checkoutRequest(input, this.connector, this.pspDisplayName)
      const created = await openCheckout(this.providerId, this.connector, request, {
        returnUrls: this.returnUrls(input.data?.return_url, { cart_id: request.cartId, session_id: request.sessionId }),
        callbackUrl: this.callbackUrl(),
      })
      const data: PspSessionData & Record<string, unknown> = {
        session_id: request.sessionId,
        psp_reference: created.pspReference,
        currency_code: request.currency,
        amount: request.amount.toString(),
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
          await this.journalAuthorization(session, payment)
        }
        return { status: status as PaymentSessionStatus, data: { ...input.data, ...this.snapshotData(payment) } }
    }
  }

  /**
   * The PSP authorized the payment: record it in the instrument's ledger (idempotent per session).
   * What the PSP already captured on its own (at authorization: gift cards, automatic capture) is
   * adopted at once, so that it is refundable like any capture.
   */
  private async journalAuthorization(session: PspSessionData, payment: PspPayment): Promise<void> {
    const context = await this.operationContext(session)
    const { ledger, instrument } = context
    const key = operationKey({ kind: "authorize", source: "session", id: session.session_id, instrumentId: instrument.id })
    const { operation } = await ledger.beginOperation(instrument.id, { idempotency_key: key, kind: "authorize", origin: `session:${session.session_id}` }, newLease(ledger))
    if (operation.status !== "succeeded") {
      await ledger.completeOperation(key)
    }
    if (payment.capturedAmount > 0n) {
      await settleInstrument(context, payment)
    }
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
      if (payment.state !== "rejected" && payment.state !== "canceled" && payment.capturedAmount === 0n && this.connector.capabilities.cancel !== "none") {
        const canceled = await this.connector.cancel(session.psp_reference, { key: `delete:${session.session_id}`, currency: session.currency_code })
        if (canceled.payment) {
          await pspLedger(this.providerId).recordPspStatus(session.psp_reference, canceled.payment, "session deleted")
        }
      }
    } catch (error) {
      // the PSP expires unfinished payments on its own (time to live); never block the cart on it
      this.logger()?.warn(
        `${this.pspDisplayName}: could not cancel payment ${session.psp_reference} of deleted session ${session.session_id}: ${(error as Error).message}`
      )
    }
    return { data: input.data ?? {} }
  }

  /** The instrument of a session, with what settlement needs. */
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
   * that row (medusa-records.ts says the rest).
   */
  async capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    const session = this.sessionData(input.data)
    const medusaId = String(input.context?.idempotency_key ?? "")
    try {
      const amount = await this.medusaCaptureAmount(medusaId, session.currency_code)
      await recordOrRunForMedusa(await this.operationContext(session), "capture", medusaId, amount, this.pspDisplayName)
    } catch (error) {
      throw this.asMedusaError(error)
    }
    return { data: { ...input.data, psp_status: session.psp_status } }
  }

  /** Like capturePayment, for refunds: Medusa passes the amount and the Refund id. */
  async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    const session = this.sessionData(input.data)
    const medusaId = String(input.context?.idempotency_key ?? "")
    try {
      const amount = toMinorUnits(input.amount, session.currency_code)
      await recordOrRunForMedusa(await this.operationContext(session), "refund", medusaId, amount, this.pspDisplayName)
    } catch (error) {
      throw this.asMedusaError(error)
    }
    return { data: { ...input.data } }
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

  /**
   * Order canceled (or authorization rolled back): release what is still reserved.
   *
   * Medusa also cancels a payment that is not fully captured when an order change (a received
   * return, a claim, an exchange, an edit) makes it recreate the order's payment collection. The
   * PSP's authorization still covers the order's remaining lines then, and releasing it would make
   * the next shipment uncapturable. Medusa's order cancel only cancels payments with no capture
   * (the plugin's reconcile releases the rest of a partly captured one), so a payment with a
   * capture is never released here.
   */
  async cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const parsed = pspSessionDataSchema.safeParse(input.data ?? {})
    if (!parsed.success) {
      return { data: input.data ?? {} }
    }
    const session = parsed.data
    try {
      const context = await this.operationContext(session)
      if (BigInt(context.instrument.captured_amount) > 0n) {
        throw new MedusaError(
          MedusaError.Types.NOT_ALLOWED,
          `${this.pspDisplayName}: payment ${session.psp_reference ?? session.session_id} is partly captured, so its authorization is kept: ` +
            "the rest is captured as the remaining lines ship, and released if the order is canceled"
        )
      }
      const id = String(input.context?.idempotency_key ?? session.session_id)
      const key = operationKey({ kind: "cancel", source: "medusa", id, instrumentId: context.instrument.id })
      await runMoneyOperation(context, { kind: "cancel", key, origin: `medusa:${id}` })
      return { data: { ...input.data } }
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
      // cart completion right after a sync read the payment approved (the sync that completes the
      // cart from a callback): that read is the truth of this moment, not read again. Anything
      // short of approved is read again: the shopper may have just finished the hosted page.
      const fetch = () => this.connector.getPayment(session.psp_reference, session.currency_code)
      const startedAt = Date.now()
      const { payment, shared } =
        source === "authorize"
          ? await sharedRead(this.providerId, session.psp_reference, fetch, { accept: (read) => read.state === "authorized" || read.state === "captured" })
          : { payment: await fetch(), shared: false }
      if (!shared) {
        rememberRead(this.providerId, session.psp_reference, payment, startedAt)
        await pspLedger(this.providerId).recordPspStatus(session.psp_reference, payment, source)
      }
      return payment
    } catch (error) {
      if (error instanceof PspNotFoundError && source === "authorize") {
        // PSPs that make the payment only once the shopper finished (Digital River creates its
        // order after the Drop-in checkout) have none yet: the shopper has not finished
        throw new MedusaError(
          MedusaError.Types.PAYMENT_REQUIRES_MORE_ERROR,
          `The shopper has not completed the ${this.pspDisplayName} payment page yet (${error.message}).`
        )
      }
      throw this.asMedusaError(error)
    }
  }

  private logger(): { warn(message: string): void; error(message: string): void } | undefined {
    return (this.container as { logger?: { warn(message: string): void; error(message: string): void } }).logger
  }
}
