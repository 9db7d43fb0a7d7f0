/**
 * The payment ledger, as the providers use it.
 *
 * Medusa builds payment providers inside the Payment module's own container, where other modules
 * cannot be resolved; the ledger is this plugin's module. So providers reach it through the
 * application container at call time (it is registered by the time Medusa calls a provider).
 */
import { container } from "@medusajs/framework"
import type { PspPayment } from "../../connectors/types"
import type { CheckoutLine } from "../../lifecycle/order-lines"
import type { MinorUnits } from "../../lifecycle/money"
import { shipGateOf } from "../../lifecycle/payment-state"
import { PAYMENT_LEDGER_MODULE, type PaymentLedgerModuleService } from "../../modules/payment-ledger"
import { serializeLine } from "./session-data"

export function ledgerService(): PaymentLedgerModuleService {
  if (!container.hasRegistration(PAYMENT_LEDGER_MODULE)) {
    throw new Error(
      `The "${PAYMENT_LEDGER_MODULE}" module is not registered: add the medusa-order-payments plugin to medusa-config ` +
        "(plugins: [{ resolve: \"medusa-order-payments\" }]) and run npx medusa db:migrate"
    )
  }
  return container.resolve<PaymentLedgerModuleService>(PAYMENT_LEDGER_MODULE)
}

/** The ledger operations of one provider (`pp_<identifier>_<id>`). */
export function pspLedger(providerId: string) {
  const service = ledgerService()
  return {
    /** Write-ahead: the instrument exists before the PSP payment is created. Idempotent per session. */
    async openInstrument(input: {
      sessionId: string
      currency: string
      amount: MinorUnits
      lines: CheckoutLine[]
      merchantReference: string
    }): Promise<{ id: string }> {
      const { instrument } = await service.openInstrument({
        provider_id: providerId,
        payment_session_id: input.sessionId,
        merchant_reference: input.merchantReference,
        currency_code: input.currency,
        amount: input.amount,
        origin: "token",
        // every line, a gift card or store credit (a negative total) included: captures must add up to the authorization
        lines: input.lines.map((line) => ({
          id: line.reference,
          quantity: line.quantity,
          unitAmount: line.totalAmount / BigInt(line.quantity),
          totalAmount: line.totalAmount,
        })),
        metadata: { checkout_lines: input.lines.map(serializeLine) },
      })
      return { id: instrument.id }
    },

    async attachPspReference(instrumentId: string, pspReference: string, payment: PspPayment): Promise<void> {
      await service.setInstrumentReferences(instrumentId, { psp_reference: pspReference })
      await service.appendPspStatus(instrumentId, { status: payment.rawStatus, source: "create", state: payment.state, ...shipGateOf(payment) })
    },

    /** Keeps what the PSP said about the payment of `pspReference` in its instrument's history. */
    async recordPspStatus(pspReference: string, payment: PspPayment, source: string): Promise<void> {
      const instrument = await service.findInstrumentByPspReference(providerId, pspReference)
      if (instrument) {
        await service.appendPspStatus(instrument.id, { status: payment.rawStatus, source, state: payment.state, ...shipGateOf(payment) })
      }
    },
  }
}
