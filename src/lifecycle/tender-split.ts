/**
 * A payment paid by several tenders (CM.com: a gift card and a card on one order) is captured and
 * refunded tender by tender. One stated rule decides which tender takes what:
 *
 * - capture: tenders the PSP captured at authorization first (gift cards; they have no room left,
 *   so in practice the cards), then in the order the shopper paid them;
 * - refund: the reverse, so that the shopper's card gets its money back before the gift card;
 * - each tender in that order takes what it can, the next one the rest.
 *
 * Amounts are minor units. Pure: the workflow reads the tenders from the PSP and keys each part.
 */
import type { MinorUnits } from "./money"

export type TenderBalance = {
  id: string
  method: string
  authorizedAmount: MinorUnits
  capturedAmount: MinorUnits
  refundedAmount: MinorUnits
  capturedAtAuthorization: boolean
}

export type TenderPart = { tenderId: string; amount: MinorUnits }

/** What a tender can still take: its uncaptured authorization, or its unrefunded captures. */
export function tenderRoom(kind: "capture" | "refund", tender: TenderBalance): MinorUnits {
  const room = kind === "capture" ? tender.authorizedAmount - tender.capturedAmount : tender.capturedAmount - tender.refundedAmount
  return room > 0n ? room : 0n
}

export function splitAcrossTenders(
  kind: "capture" | "refund",
  tenders: readonly TenderBalance[],
  amount: MinorUnits
): { parts: TenderPart[] } | { refused: string } {
  if (amount <= 0n) {
    return { parts: [] }
  }
  const paidOrder = [...tenders].sort((a, b) => Number(b.capturedAtAuthorization) - Number(a.capturedAtAuthorization))
  const candidates = (kind === "capture" ? paidOrder : paidOrder.reverse()).filter((tender) => tenderRoom(kind, tender) > 0n)
  const parts: TenderPart[] = []
  let rest = amount
  for (const tender of candidates) {
    const take = tenderRoom(kind, tender) < rest ? tenderRoom(kind, tender) : rest
    parts.push({ tenderId: tender.id, amount: take })
    rest -= take
    if (rest === 0n) {
      return { parts }
    }
  }
  const listed = candidates.map((tender) => `${tender.method} ${tender.id}: ${tenderRoom(kind, tender)}`).join(", ") || "none"
  return {
    refused: `the payment's tenders can take ${amount - rest} of a ${kind} of ${amount} (minor units); ${kind === "capture" ? "capturable" : "refundable"} per tender: ${listed}`,
  }
}
