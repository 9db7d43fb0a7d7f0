import fc from "fast-check"
import { splitAcrossTenders, tenderRoom, type TenderBalance } from "../tender-split"

const tender = (id: string, method: string, authorized: bigint, captured: bigint, refunded = 0n, atAuthorization = false): TenderBalance => ({
  id,
  method,
  authorizedAmount: authorized,
  capturedAmount: captured,
  refundedAmount: refunded,
  capturedAtAuthorization: atAuthorization,
})

describe("splitAcrossTenders", () => {
  const giftCard = tender("gift", "GIFTCARD", 2_000n, 2_000n, 0n, true)

  it("a capture goes to the card alone when it can take it (the gift card was captured at authorization)", () => {
    expect(splitAcrossTenders("capture", [giftCard, tender("visa", "VISA", 8_000n, 0n)], 5_000n)).toEqual({ parts: [{ tenderId: "visa", amount: 5_000n }] })
  })

  it("a refund goes to the card first, then to the gift card", () => {
    const captured = [giftCard, tender("visa", "VISA", 2_000n, 2_000n)]
    expect(splitAcrossTenders("refund", captured, 1_500n)).toEqual({ parts: [{ tenderId: "visa", amount: 1_500n }] })
    // the gift card could take it whole; the card still comes first
    expect(splitAcrossTenders("refund", [giftCard, tender("visa", "VISA", 1_000n, 1_000n)], 1_500n)).toEqual({
      parts: [
        { tenderId: "visa", amount: 1_000n },
        { tenderId: "gift", amount: 500n },
      ],
    })
    expect(splitAcrossTenders("refund", captured, 3_500n)).toEqual({
      parts: [
        { tenderId: "visa", amount: 2_000n },
        { tenderId: "gift", amount: 1_500n },
      ],
    })
  })

  it("a capture no single card can take is filled card by card, in the order paid", () => {
    const cards = [tender("first", "VISA", 3_000n, 1_000n), tender("second", "MASTERCARD", 4_000n, 0n)]
    expect(splitAcrossTenders("capture", cards, 5_000n)).toEqual({
      parts: [
        { tenderId: "first", amount: 2_000n },
        { tenderId: "second", amount: 3_000n },
      ],
    })
  })

  it("more than the tenders hold is refused, naming each tender's room", () => {
    const result = splitAcrossTenders("refund", [giftCard, tender("visa", "VISA", 2_000n, 2_000n, 500n)], 4_000n)
    expect(result).toEqual({ refused: expect.stringMatching(/can take 3500 of a refund of 4000.*VISA visa: 1500, GIFTCARD gift: 2000/) })
  })

  it("property: the parts are positive, within each tender's room, one per tender, and add up to the amount", () => {
    const balance = fc
      .tuple(fc.bigInt({ min: 0n, max: 100_000n }), fc.bigInt({ min: 0n, max: 100_000n }), fc.bigInt({ min: 0n, max: 100_000n }), fc.boolean())
      .map(([a, b, c, atAuthorization]) => {
        const [refunded, captured, authorized] = [a, b, c].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
        return { authorized, captured, refunded, atAuthorization }
      })
    fc.assert(
      fc.property(fc.constantFrom("capture" as const, "refund" as const), fc.array(balance, { maxLength: 4 }), fc.bigInt({ min: 1n, max: 300_000n }), (kind, balances, amount) => {
        const tenders = balances.map((b, index) => tender(`t${index}`, "CARD", b.authorized, b.captured, b.refunded, b.atAuthorization))
        const room = tenders.reduce((total, t) => total + tenderRoom(kind, t), 0n)
        const result = splitAcrossTenders(kind, tenders, amount)
        if ("refused" in result) {
          expect(room).toBeLessThan(amount)
          return
        }
        expect(result.parts.reduce((total, part) => total + part.amount, 0n)).toBe(amount)
        expect(new Set(result.parts.map((part) => part.tenderId)).size).toBe(result.parts.length)
        for (const part of result.parts) {
          expect(part.amount).toBeGreaterThan(0n)
          expect(part.amount).toBeLessThanOrEqual(tenderRoom(kind, tenders.find((t) => t.id === part.tenderId)!))
        }
      }),
      { numRuns: 500 }
    )
  })
})
