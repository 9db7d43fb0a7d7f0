/**
 * What the store must do once the PSP's truth about a payment is known, given where the Medusa
 * side stands. Pure, and written so that applying it again, or applying the effects of callbacks
 * that arrived in another order, converges on the same state: every effect is conditional on
 * the Medusa state it changes not being there yet.
 */
import type { PspPaymentState } from "../connectors/types"
import { storeStateFor, type StorePaymentState } from "./payment-state"

export type MedusaPaymentSide = {
  orderId?: string
  orderCanceled: boolean
  /** a Medusa Payment exists for the session (authorization recorded) */
  paymentExists: boolean
  /** the order's recorded store payment state (order metadata), if any */
  recordedState?: StorePaymentState
}

export type CallbackEffect =
  /** run Medusa's process-payment workflow: completes the cart, or authorizes a deferred session */
  | { kind: "process_payment" }
  /** record the store payment state on the order (on_hold blocks fulfillment) */
  | { kind: "mark_order"; state: StorePaymentState }
  | { kind: "cancel_order" }

export function callbackEffects(state: PspPaymentState, medusa: MedusaPaymentSide, safeToShip = true): CallbackEffect[] {
  const storeState = storeStateFor(state, safeToShip)
  const effects: CallbackEffect[] = []
  const hasOrder = Boolean(medusa.orderId)

  switch (state) {
    case "awaiting_shopper":
      return []
    case "held":
    case "authorized":
    case "captured":
      if (!hasOrder || (state !== "held" && !medusa.paymentExists)) {
        effects.push({ kind: "process_payment" })
      }
      if (hasOrder && !medusa.orderCanceled && medusa.recordedState !== storeState) {
        effects.push({ kind: "mark_order", state: storeState })
      }
      return effects
    case "rejected":
    case "canceled":
      if (!hasOrder) {
        // the cart stays open for another attempt; completing it with this session fails with the
        // PSP's reason (authorizePayment), whichever of the callback and the storefront comes first
        return []
      }
      if (!medusa.orderCanceled) {
        effects.push({ kind: "cancel_order" })
      }
      if (medusa.recordedState !== storeState) {
        effects.push({ kind: "mark_order", state: storeState })
      }
      return effects
  }
}
