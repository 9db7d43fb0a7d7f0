import { CallbackIgnoredError, CallbackRejectedError } from "../../errors"
import type { CallbackInput } from "../../types"
import { parseDigitalRiverCallback, parseSignatureHeader, signDigitalRiverEvent } from "../callbacks"
import {
  drPaymentState,
  fromDigitalRiverOrder,
  toCheckoutSessionRequest,
  toFulfillmentRequest,
  toRefundRequest,
  unitsLeft,
} from "../mapping"
import { drOrderSchema, type DigitalRiverFulfillment } from "../schemas"

const lines = [
  { reference: "SHIRT", description: "Linen Shirt", kind: "product" as const, quantity: 2, totalAmount: 129_803n, vatRate: "19" },
  { reference: "shipping", description: "Shipping", kind: "shipping" as const, quantity: 1, totalAmount: 5_990n, vatRate: "19" },
]

const order = drOrderSchema.parse({
  id: "100001",
  upstreamId: "payses_1",
  currency: "EUR",
  totalAmount: 1357.93,
  capturedAmount: 649.01,
  cancelledAmount: 0,
  refundedAmount: 0,
  state: "accepted",
  items: [
    { id: "11", quantity: 2, amount: 1298.03, metadata: { medusaLineReference: "SHIRT" } },
    { id: "12", quantity: 1, amount: 59.9, metadata: { medusaLineReference: "shipping" } },
  ],
  payment: {
    charges: [
      {
        id: "chg",
        orderId: "100001",
        amount: 1357.93,
        state: "capturable",
        captures: [
          { id: "cap1", amount: 649.01, state: "complete", fulfillmentId: "ful_1" },
          { id: "cap2", amount: 649.02, state: "failed", failureCode: "failed-request", failureMessage: "Failed to operate on charge", fulfillmentId: "ful_2" },
        ],
      },
    ],
  },
})
const fulfillments: DigitalRiverFulfillment[] = [
  { id: "ful_1", orderId: "100001", createdTime: "2026-01-01T00:00:00Z", items: [{ itemId: "11", quantity: 1, cancelQuantity: 0 }], metadata: { medusaOperationKey: "capture:a" } },
  { id: "ful_2", orderId: "100001", createdTime: "2026-01-01T00:01:00Z", items: [{ itemId: "11", quantity: 1, cancelQuantity: 0 }], metadata: { medusaOperationKey: "capture:b" } },
]

describe("Digital River mapping", () => {
  it("sends every line as an item with its exact total and our reference in metadata", () => {
    const request = toCheckoutSessionRequest({
      key: "payses_1",
      orderReference: "cart_1",
      currency: "eur",
      amount: 135_793n,
      lines,
      returnUrls: { success: "https://shop/ok", fail: "https://shop/fail" },
      callbackUrl: "https://shop/hooks",
    })
    expect(request.upstreamId).toBe("payses_1")
    expect(request.currency).toBe("EUR")
    expect(request.items[0]).toEqual({ productDetails: { id: "SHIRT", name: "Linen Shirt" }, price: 649.01, aggregatePrice: 1298.03, quantity: 2, metadata: { medusaLineReference: "SHIRT" } })
  })

  it("refuses a negative line (Digital River prices items at 0 or more)", () => {
    expect(() =>
      toCheckoutSessionRequest({ key: "k", orderReference: "o", currency: "eur", amount: -1n, lines: [{ ...lines[0], totalAmount: -100n }], returnUrls: { success: "https://a", fail: "https://a" }, callbackUrl: "https://a" })
    ).toThrow(/0 or more/)
  })

  it("names DR item ids and exactly the units asked, our key in metadata (hashed when longer than 500)", () => {
    const ids = { SHIRT: "11", shipping: "12" }
    expect(toFulfillmentRequest("100001", "ship", [{ reference: "SHIRT", quantity: 1 }], ids, "capture:x")).toEqual({ orderId: "100001", items: [{ itemId: "11", quantity: 1 }], metadata: { medusaOperationKey: "capture:x" } })
    expect(toFulfillmentRequest("100001", "cancel", [{ reference: "shipping", quantity: 1 }], ids, "cancel:x").items).toEqual([{ itemId: "12", cancelQuantity: 1 }])
    const long = toFulfillmentRequest("100001", "ship", [{ reference: "SHIRT", quantity: 1 }], ids, "k".repeat(600))
    expect(String(long.metadata.medusaOperationKey)).toMatch(/^h:/)
    expect(toRefundRequest("100001", "eur", [{ ...lines[0], quantity: 1, totalAmount: 64_901n }], ids, "refund:x")).toEqual({
      orderId: "100001",
      currency: "EUR",
      items: [{ itemId: "11", quantity: 1, amount: 649.01 }],
      metadata: { medusaOperationKey: "refund:x" },
    })
  })

  it("reads fulfillments as capture actions with our key, settled by the charge entry naming them; a failed capture says why and what to do", () => {
    const payment = fromDigitalRiverOrder(order, fulfillments, [], "eur")
    expect(payment).toMatchObject({ pspReference: "100001", state: "authorized", totalAmount: 135_793n, capturedAmount: 64_901n, authorizedAmount: 5_990n, lineIds: { SHIRT: "11", shipping: "12" } })
    const [a, b] = payment.actions
    expect(a).toMatchObject({ id: "ful_1", kind: "capture", status: "succeeded", key: "capture:a", amount: 64_901n, lines: [{ reference: "SHIRT", quantity: 1, amount: 64_901n }] })
    expect(b).toMatchObject({ id: "ful_2", kind: "capture", status: "failed", key: "capture:b", amount: 64_902n })
    expect(b.failureReason).toMatch(/failed-request.*Cancel the shipment.*contact the shopper/)
  })

  it("maps every order state", () => {
    const amounts = { authorized: 0n, capturePending: 0n, captured: 0n }
    expect(drPaymentState("pending_payment", amounts)).toBe("awaiting_shopper")
    expect(drPaymentState("in_review", amounts)).toBe("held")
    expect(drPaymentState("blocked", amounts)).toBe("rejected")
    expect(drPaymentState("cancelled", amounts)).toBe("canceled")
    expect(drPaymentState("accepted", { ...amounts, authorized: 1n })).toBe("authorized")
    expect(drPaymentState("fulfilled", { ...amounts, capturePending: 1n })).toBe("authorized")
    expect(drPaymentState("complete", { ...amounts, captured: 1n })).toBe("captured")
    expect(drPaymentState("complete", amounts)).toBe("canceled")
  })

  it("counts the units still open per item", () => {
    expect(unitsLeft(order, fulfillments)).toEqual(new Map([["11", 0], ["12", 1]]))
  })
})

describe("Digital River events", () => {
  const secrets = ["new-secret", "old-secret"]
  const settings = { signingSecrets: secrets, toleranceSeconds: 300, now: () => 1_700_000_000_000 }
  const body = JSON.stringify({ id: "evt_1", type: "order.charge.capture.complete", data: { object: { id: "chg", orderId: "100001", state: "complete" } } })
  const input = (raw: string, signature?: string): CallbackInput => ({ method: "POST", rawBody: Buffer.from(raw), headers: signature ? { "digitalriver-signature": signature } : {}, query: {} })

  it("reads the header DR sends", () => {
    expect(parseSignatureHeader("t=1700000000, v0=abc=")).toEqual({ timestamp: "1700000000", signatures: ["abc="] })
    expect(parseSignatureHeader("v0=abc")).toBeUndefined()
  })

  it("accepts either secret during a rotation, and names the order", () => {
    for (const secret of secrets) {
      const hint = parseDigitalRiverCallback(input(body, signDigitalRiverEvent(secret, body, 1_700_000_000)), settings)
      expect(hint).toMatchObject({ lookup: { pspReference: "100001" }, dedupKey: "event:evt_1", verified: true })
    }
  })

  it("refuses forged (401), tampered (401) and stale (400) events", () => {
    const reject = (raw: string, signature?: string) => {
      try {
        parseDigitalRiverCallback(input(raw, signature), settings)
      } catch (error) {
        expect(error).toBeInstanceOf(CallbackRejectedError)
        return (error as CallbackRejectedError).httpStatus
      }
      throw new Error("accepted")
    }
    expect(reject(body)).toBe(401)
    expect(reject(body, signDigitalRiverEvent("other", body, 1_700_000_000))).toBe(401)
    expect(reject(body.replace("complete", "failed"), signDigitalRiverEvent("new-secret", body, 1_700_000_000))).toBe(401)
    expect(reject(body, signDigitalRiverEvent("new-secret", body, 1_700_000_000 - 301))).toBe(400)
    expect(reject(body, signDigitalRiverEvent("new-secret", body, 1_700_000_000 + 301))).toBe(400)
  })

  it("acknowledges event types it does not act on without a hint", () => {
    const other = JSON.stringify({ id: "evt_2", type: "customer.created", data: { object: { id: "cus" } } })
    expect(() => parseDigitalRiverCallback(input(other, signDigitalRiverEvent("old-secret", other, 1_700_000_000)), settings)).toThrow(CallbackIgnoredError)
  })

  it("finds order events by our upstreamId (the merchant reference)", () => {
    const accepted = JSON.stringify({ id: "evt_3", type: "order.accepted", data: { object: { id: "100001", upstreamId: "payses_1", state: "accepted" } } })
    expect(parseDigitalRiverCallback(input(accepted, signDigitalRiverEvent("new-secret", accepted, 1_700_000_000)), settings).lookup).toEqual({ merchantReference: "payses_1" })
  })
})
