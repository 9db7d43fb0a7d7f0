/**
 * What a PSP payment state means for the store: the Medusa payment-session status a provider
 * reports, and the order-level payment state the plugin shows (pending, processing, on hold,
 * failed). Total functions: every PSP state has exactly one answer.
 */
import type { PspPaymentState } from "../connectors/types"

/** Medusa's PaymentSessionStatus values the provider returns. */
export type SessionStatus =
  | "pending"
  | "requires_more"
  | "pending_authorization"
  | "authorized"
  | "captured"
  | "error"
  | "canceled"

export function sessionStatusFor(state: PspPaymentState): SessionStatus {
  switch (state) {
    case "awaiting_shopper":
      return "requires_more"
    case "held":
      return "pending_authorization"
    case "authorized":
      return "authorized"
    case "captured":
      return "captured"
    case "rejected":
      return "error"
    case "canceled":
      return "canceled"
  }
}

/** The store-facing payment state recorded on the order (metadata) and the instrument. */
export type StorePaymentState = "pending" | "processing" | "on_hold" | "failed"

/**
 * `safeToShip` false (CM.com `considered_safe` not SAFE) holds an authorized payment like a
 * credit review does: the order is on hold and fulfillment is refused until the PSP clears it.
 */
export function storeStateFor(state: PspPaymentState, safeToShip = true): StorePaymentState {
  switch (state) {
    case "awaiting_shopper":
      return "pending"
    case "held":
      return "on_hold"
    case "authorized":
    case "captured":
      return safeToShip ? "processing" : "on_hold"
    case "rejected":
    case "canceled":
      return "failed"
  }
}

/** States after which the PSP will not change its mind about the authorization. */
export function isFinalDecision(state: PspPaymentState): boolean {
  return state !== "awaiting_shopper" && state !== "held"
}

/**
 * What the instrument keeps of a read of the PSP beside its state: the ship gate
 * (`safe_to_ship`), so that the reconcile job re-reads authorized payments the PSP does not yet
 * call safe, and the tenders (amounts as minor-unit strings), for the admin. Nothing of what the
 * PSP does not say.
 */
export function shipGateOf(payment: {
  safeToShip?: boolean
  tenders?: { id: string; method: string; authorizedAmount: bigint; capturedAmount: bigint; refundedAmount: bigint; capturedAtAuthorization: boolean }[]
}): {
  safe_to_ship?: boolean
  psp_tenders?: { id: string; method: string; authorized: string; captured: string; refunded: string; captured_at_authorization: boolean }[]
} {
  return {
    ...(payment.safeToShip !== undefined ? { safe_to_ship: payment.safeToShip } : {}),
    ...(payment.tenders
      ? {
          psp_tenders: payment.tenders.map((tender) => ({
            id: tender.id,
            method: tender.method,
            authorized: tender.authorizedAmount.toString(),
            captured: tender.capturedAmount.toString(),
            refunded: tender.refundedAmount.toString(),
            captured_at_authorization: tender.capturedAtAuthorization,
          })),
        }
      : {}),
  }
}
