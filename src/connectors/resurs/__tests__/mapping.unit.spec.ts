import { CallbackRejectedError } from "../../errors"
import { acknowledgeResursCallback, parseResursCallback } from "../callbacks"
import {
  fromResursPayment,
  resursPaymentState,
  toResursCreatePayment,
  toResursOrderReference,
} from "../mapping"
import { resursPaymentSchema } from "../schemas"

const settings = {
  storeId: "store-1",
  paymentMethodId: "method-1",
  handleFrozenPayments: true,
  timeToLiveInMinutes: 120,
  creator: "medusa-order-payments",
}

describe("toResursCreatePayment", () => {
  const request = toResursCreatePayment(
    {
      key: "payses_1",
      orderReference: "cart_01ABC",
      currency: "sek",
      amount: 137_800n,
      lines: [
        { reference: "variant_1", description: "Linen Shirt", kind: "product", quantity: 2, totalAmount: 129_800n, vatRate: "25" },
        { reference: "shipping", description: "Standard shipping", kind: "shipping", quantity: 1, totalAmount: 5_900n, vatRate: "25" },
        { reference: "discount", description: "Welcome discount", kind: "discount", quantity: 1, totalAmount: 2_100n, vatRate: "12.5" },
      ],
      customer: { email: "a@example.com", countryCode: "se" },
      returnUrls: { success: "https://shop/ok", fail: "https://shop/fail" },
      callbackUrl: "https://shop/hooks/psp/resurs_resurs",
    },
    settings
  )

  it("sends decimals with at most 2 places, exactly", () => {
    expect(request.order.orderLines.map((l) => l.totalAmountIncludingVat)).toEqual([1298, 59, 21])
    expect(JSON.stringify(request.order.orderLines[0])).toContain('"totalAmountIncludingVat":1298')
  })

  it("maps line kinds, VAT rates and the per-payment callback URLs", () => {
    expect(request.order.orderLines.map((l) => [l.type, l.vatRate])).toEqual([
      ["NORMAL", 25],
      ["SHIPPING", 25],
      ["DISCOUNT", 12.5],
    ])
    expect(request.options.callbacks).toEqual({
      authorization: { url: "https://shop/hooks/psp/resurs_resurs?callback=AUTHORIZATION" },
      management: { url: "https://shop/hooks/psp/resurs_resurs?callback=MANAGEMENT" },
    })
    expect(request.options.automaticCapture).toBe(false)
    expect(request.customer?.deliveryAddress?.countryCode).toBe("SE")
  })

  it("refuses an amount Resurs cannot carry in 2 decimals rather than rounding it", () => {
    expect(() =>
      toResursCreatePayment(
        {
          key: "k",
          orderReference: "o",
          currency: "kwd",
          amount: 1_005n,
          lines: [{ reference: "r", description: "d", kind: "product", quantity: 1, totalAmount: 1_005n, vatRate: "0" }],
          returnUrls: { success: "s", fail: "f" },
          callbackUrl: "https://shop/c",
        },
        settings
      )
    ).toThrow()
  })
})

describe("toResursOrderReference", () => {
  it("keeps what Resurs accepts and replaces the rest", () => {
    expect(toResursOrderReference("order#12/34")).toBe("order-12-34")
    expect(toResursOrderReference("x".repeat(40))).toHaveLength(36)
  })
})

describe("resursPaymentState", () => {
  const zero = { authorized: 0n, captured: 0n }
  it.each([
    ["TASK_REDIRECTION_REQUIRED", undefined, zero, "awaiting_shopper"],
    ["FROZEN", undefined, zero, "held"],
    ["INSPECTION", undefined, zero, "held"],
    ["SUPPLEMENTING_REQUIRED", undefined, zero, "held"],
    ["REJECTED", "CREDIT_DENIED", zero, "rejected"],
    ["REJECTED", "TIMEOUT", zero, "canceled"],
    ["REJECTED", "ABORTED_BY_CUSTOMER", zero, "canceled"],
    ["ACCEPTED", undefined, { authorized: 100n, captured: 0n }, "authorized"],
    ["ACCEPTED", undefined, { authorized: 40n, captured: 60n }, "authorized"],
    ["ACCEPTED", undefined, { authorized: 0n, captured: 100n }, "captured"],
    ["ACCEPTED", undefined, zero, "canceled"],
  ] as const)("%s (%s) %p → %s", (status, category, amounts, expected) => {
    expect(resursPaymentState({ status, rejectedReason: category ? { category } : null }, amounts)).toBe(expected)
  })
})

describe("fromResursPayment", () => {
  it("reads amounts exactly and keeps our transactionId on actions", () => {
    const payment = resursPaymentSchema.parse({
      id: "pay-1",
      status: "ACCEPTED",
      order: {
        orderReference: "o1",
        totalOrderAmount: 1377.9,
        authorizedAmount: 1077.9,
        capturedAmount: 300,
        refundedAmount: 0.1,
        canceledAmount: 0,
        possibleActions: [{ action: "CAPTURE" }],
        actionLog: [
          { actionId: "a1", type: "CREATE", orderLines: [] },
          {
            actionId: "a2",
            type: "CAPTURE",
            transactionId: "capt_1",
            orderLines: [{ description: "x", reference: "variant_1", quantity: 1, vatRate: 25, totalAmountIncludingVat: 300 }],
          },
        ],
      },
    })
    const mapped = fromResursPayment(payment, "SEK")
    expect(mapped).toMatchObject({
      state: "authorized",
      totalAmount: 137_790n,
      authorizedAmount: 107_790n,
      capturedAmount: 30_000n,
      refundedAmount: 10n,
      currency: "sek",
    })
    expect(mapped.actions).toEqual([
      {
        id: "a2",
        kind: "capture",
        status: "succeeded",
        key: "capt_1",
        amount: 30_000n,
        lines: [{ reference: "variant_1", quantity: 1, amount: 30_000n }],
      },
    ])
  })
})

describe("parseResursCallback", () => {
  const parse = (body: string, method: "GET" | "POST" = "POST") =>
    parseResursCallback({ method, rawBody: Buffer.from(body), headers: {}, query: {} })

  it("reads authorization and management callbacks into hints with stable dedup keys", () => {
    expect(parse('{"paymentId":"p1","status":"FROZEN","created":"2026-01-01T00:00:00Z"}')).toMatchObject({
      lookup: { pspReference: "p1" },
      dedupKey: "authorization:p1:FROZEN",
      event: "AUTHORIZATION:FROZEN",
      verified: false,
    })
    expect(parse('{"paymentId":"p1","action":"CAPTURE","actionId":"a9"}')).toMatchObject({
      lookup: { pspReference: "p1" },
      dedupKey: "management:a9",
      event: "MANAGEMENT:CAPTURE",
      auditPayload: { paymentId: "p1", action: "CAPTURE", actionId: "a9" },
    })
  })

  it("answers 415 to a body that is not JSON, 400 to JSON of the wrong shape and to a GET", () => {
    const status = (body: string, method: "GET" | "POST" = "POST") => {
      try {
        parse(body, method)
      } catch (error) {
        return (error as CallbackRejectedError).httpStatus
      }
      return undefined
    }
    expect(status("paymentId=p1")).toBe(415)
    expect(status('{"paymentId":"p1","status":"PAID"}')).toBe(400)
    expect(status('{"status":"AUTHORIZED"}')).toBe(400)
    expect(status('{"paymentId":"p1","status":"AUTHORIZED"}', "GET")).toBe(400)
    expect(() => parse("", "GET")).toThrow(/POST/)
  })

  it("is never verified: nothing in a Resurs callback proves where it came from", () => {
    expect(parse('{"paymentId":"p1","status":"AUTHORIZED"}').verified).toBe(false)
  })
})

describe("acknowledgeResursCallback", () => {
  it("answers 202, as Resurs's own ecom library does, and says whether it was a repeat", () => {
    expect(acknowledgeResursCallback(false)).toEqual({ status: 202, body: { received: true, duplicate: false } })
    expect(acknowledgeResursCallback(true)).toEqual({ status: 202, body: { received: true, duplicate: true } })
  })
})
