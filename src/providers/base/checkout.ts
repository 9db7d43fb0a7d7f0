/**
 * Opening a PSP payment for a Medusa payment session: the cart's lines (computed on the server),
 * checks the PSP can take them, the instrument written first, then the PSP's hosted checkout.
 */
import { MedusaError } from "@medusajs/framework/utils"
import type { InitiatePaymentInput } from "@medusajs/framework/types"
import { PspUnknownOutcomeError } from "../../connectors/errors"
import type { Connector, CreatedCheckout } from "../../connectors/types"
import { toMinorUnits, type MinorUnits } from "../../lifecycle/money"
import type { CheckoutLine } from "../../lifecycle/order-lines"
import { pspLedger } from "./ledger-port"
import { checkoutDataSchema, deserializeLine, type CheckoutData } from "./session-data"

export type CheckoutRequest = {
  sessionId: string
  cartId: string
  currency: string
  amount: MinorUnits
  lines: CheckoutLine[]
  customer?: CheckoutData["customer"]
}

/** Reads what Medusa passes to initiatePayment; refuses what the PSP cannot take, saying why. */
export function checkoutRequest(input: InitiatePaymentInput, connector: Connector, pspName: string): CheckoutRequest {
  const currency = input.currency_code.toLowerCase()
  const accepted = connector.capabilities.currencies
  if (accepted && !accepted.includes(currency)) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `${pspName} takes payments in ${accepted.map((code) => code.toUpperCase()).join(", ")} only; this cart is in ` +
        `${currency.toUpperCase()}. Choose another payment method.`
    )
  }
  const amount = toMinorUnits(input.amount, currency)
  const sessionId = String(input.data?.session_id ?? input.context?.idempotency_key ?? "")
  if (!sessionId) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `${pspName}: no payment session id`)
  }
  const checkout = checkoutDataSchema.safeParse(input.data?.checkout)
  const lines: CheckoutLine[] = checkout.success
    ? checkout.data.lines.map(deserializeLine)
    : [{ reference: "payment", description: "Order payment", kind: "product", quantity: 1, totalAmount: amount, vatRate: "0" }]
  const linesTotal = lines.reduce((sum, line) => sum + line.totalAmount, 0n)
  if (linesTotal !== amount) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `${pspName}: the cart's lines add up to ${linesTotal} but the session amount is ${amount} (minor units); refresh the cart and create the session again`
    )
  }
  return {
    sessionId,
    cartId: checkout.success ? checkout.data.cart_id : sessionId,
    currency,
    amount,
    lines,
    ...(checkout.success ? { customer: checkout.data.customer } : {}),
  }
}

/**
 * The instrument first (so a crash leaves a trace), then the PSP payment. The merchant reference
 * is unique per session, so a retried checkout never collides with an earlier one at the PSP.
 */
export async function openCheckout(
  providerId: string,
  connector: Connector,
  request: CheckoutRequest,
  urls: { returnUrls: { success: string; fail: string }; callbackUrl: string }
): Promise<CreatedCheckout> {
  const ledger = pspLedger(providerId)
  const instrument = await ledger.openInstrument({
    sessionId: request.sessionId,
    currency: request.currency,
    amount: request.amount,
    lines: request.lines,
    merchantReference: request.sessionId,
  })
  const input = {
    key: request.sessionId,
    orderReference: request.cartId,
    currency: request.currency,
    amount: request.amount,
    lines: request.lines,
    ...(request.customer ? { customer: request.customer } : {}),
    returnUrls: urls.returnUrls,
    callbackUrl: urls.callbackUrl,
  }
  let created: CreatedCheckout
  try {
    created = await connector.createCheckout(input)
  } catch (error) {
    if (!(error instanceof PspUnknownOutcomeError && connector.findCheckout)) {
      throw error
    }
    // the PSP may have made the payment: find it, so it is never left without its reference here;
    // when the PSP proves it never made one, making it now is safe (an unpaid payment only expires)
    created = (await connector.findCheckout(input)) ?? (await connector.createCheckout(input))
  }
  await ledger.attachPspReference(instrument.id, created.pspReference, created.payment)
  return created
}
