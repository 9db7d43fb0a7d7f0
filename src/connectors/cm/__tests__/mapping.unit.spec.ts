/**
 * The pure CM.com mapping: order states, considered_safe, tenders and the tender rule.
 */
import { CallbackRejectedError } from "../../errors"
import { chooseTender, fromCmOrder, parseCmCallback } from ".."
import type { CmOrder } from "../schemas"

const NOW = new Date("2026-11-30T12:00:00Z")
const settings = { capturedOnAuthorization: ["GIFTCARD", "IDEAL"] }

function order(overrides: Partial<CmOrder> = {}): CmOrder {
  return { order_key: "OK1", order_reference: "payses_1", amount: 10_000, currency: "EUR", expires_on: "2026-12-01T00:00:00Z", payments: [], ...overrides }
}

const payment = (id: string, method: string, amount: number, state: string, captured: number[] = [], refunded: number[] = [], reason?: string) => ({
  id,
  method,
  authorization: { amount, state, ...(reason ? { reason } : {}) },
  captures: captured.map((value, index) => ({ id: `${id}-c${index}`, amount: value, state: "CAPTURED" })),
  refunds: refunded.map((value, index) => ({ id: `${id}-r${index}`, amount: value, state: "REFUNDED" })),
})

describe("fromCmOrder", () => {
  it("an order without payments awaits the shopper; expired, it is canceled", () => {
    expect(fromCmOrder(order(), settings, NOW).state).toBe("awaiting_shopper")
    expect(fromCmOrder(order({ expires_on: "2026-11-30T11:00:00Z" }), settings, NOW).state).toBe("canceled")
  })

  it("fully authorized and SAFE: authorized and safe to ship; without considered_safe: not safe to ship", () => {
    const paid = order({ payments: [payment("p1", "VISA", 10_000, "AUTHORIZED")] })
    expect(fromCmOrder({ ...paid, considered_safe: { level: "SAFE" } }, settings, NOW)).toMatchObject({
      state: "authorized",
      safeToShip: true,
      authorizedAmount: 10_000n,
      capturedAmount: 0n,
    })
    expect(fromCmOrder(paid, settings, NOW).safeToShip).toBe(false)
    expect(fromCmOrder({ ...paid, considered_safe: { level: "FAST" } }, settings, NOW).safeToShip).toBe(false)
  })

  it("a gift card captured at authorization next to a card: two tenders, the gift card's capture an action without our key", () => {
    const read = fromCmOrder(
      order({ considered_safe: { level: "SAFE" }, payments: [payment("g", "GIFTCARD", 2_000, "AUTHORIZED", [2_000]), payment("v", "VISA", 8_000, "AUTHORIZED")] }),
      settings,
      NOW
    )
    expect(read).toMatchObject({ state: "authorized", authorizedAmount: 8_000n, capturedAmount: 2_000n })
    expect(read.tenders).toEqual([
      { id: "g", method: "GIFTCARD", authorizedAmount: 2_000n, capturedAmount: 2_000n, refundedAmount: 0n, capturedAtAuthorization: true },
      { id: "v", method: "VISA", authorizedAmount: 8_000n, capturedAmount: 0n, refundedAmount: 0n, capturedAtAuthorization: false },
    ])
    expect(read.actions).toEqual([expect.objectContaining({ kind: "capture", amount: 2_000n, tenderId: "g" })])
    expect(read.actions[0].key).toBeUndefined()
  })

  it("a failed card next to an authorized one: the authorized one counts", () => {
    const read = fromCmOrder(
      order({ payments: [payment("m", "MASTERCARD", 10_000, "CANCELED", [], [], "01 - Card authentication failed"), payment("v", "VISA", 10_000, "AUTHORIZED")] }),
      settings,
      NOW
    )
    expect(read).toMatchObject({ state: "authorized", authorizedAmount: 10_000n })
  })

  it("declined: rejected with CM's reason; abandoned: canceled; part paid: held", () => {
    expect(fromCmOrder(order({ payments: [payment("m", "VISA", 10_000, "CANCELED", [], [], "01 - Card authentication failed")] }), settings, NOW)).toMatchObject({
      state: "rejected",
      rejectedReason: "01 - Card authentication failed",
    })
    expect(fromCmOrder(order({ payments: [payment("m", "VISA", 10_000, "CANCELED", [], [], "Canceled by shopper")] }), settings, NOW).state).toBe("canceled")
    expect(fromCmOrder(order({ payments: [payment("g", "GIFTCARD", 2_000, "AUTHORIZED", [2_000])] }), settings, NOW).state).toBe("held")
  })

  it("everything captured: captured; our capture keeps our reference as its key", () => {
    const paid = payment("v", "VISA", 10_000, "AUTHORIZED", [10_000])
    paid.captures[0] = { ...paid.captures[0], reference: "capture:fulfillment:ful_1" } as never
    const read = fromCmOrder(order({ payments: [paid] }), settings, NOW)
    expect(read).toMatchObject({ state: "captured", authorizedAmount: 0n, capturedAmount: 10_000n })
    expect(read.actions[0]).toMatchObject({ key: "capture:fulfillment:ful_1", tenderId: "v" })
  })
})

describe("chooseTender", () => {
  const tender = (id: string, method: string, authorized: bigint, captured: bigint, refunded = 0n, atAuthorization = false) => ({
    id,
    method,
    authorizedAmount: authorized,
    capturedAmount: captured,
    refundedAmount: refunded,
    capturedAtAuthorization: atAuthorization,
  })

  it("captures on the tender with money left (gift cards first); refunds in reverse", () => {
    const tenders = [tender("v", "VISA", 8_000n, 0n), tender("g", "GIFTCARD", 2_000n, 2_000n, 0n, true)]
    expect(chooseTender("capture", tenders, 5_000n)).toEqual({ tender: tenders[0] })
    const captured = [tender("v", "VISA", 8_000n, 8_000n), tender("g", "GIFTCARD", 2_000n, 2_000n, 0n, true)]
    expect(chooseTender("refund", captured, 1_000n)).toEqual({ tender: captured[0] })
    // more than the card has: the gift card cannot take it all either
    expect(chooseTender("refund", captured, 9_000n)).toEqual({ refused: expect.stringMatching(/VISA v: 8000, GIFTCARD g: 2000/) })
  })
})

describe("parseCmCallback", () => {
  const get = (query: Record<string, unknown>) => ({ method: "GET" as const, rawBody: Buffer.alloc(0), headers: {}, query })

  it("a GET ?id= names our order reference, without identity; anything else is refused", () => {
    expect(parseCmCallback(get({ id: "payses_1" }))).toMatchObject({ lookup: { merchantReference: "payses_1" }, dedupKey: null, verified: false })
    expect(() => parseCmCallback(get({}))).toThrow(CallbackRejectedError)
    expect(() => parseCmCallback(get({ id: "has space" }))).toThrow(CallbackRejectedError)
    expect(() => parseCmCallback({ ...get({ id: "payses_1" }), method: "POST" })).toThrow(CallbackRejectedError)
  })
})
