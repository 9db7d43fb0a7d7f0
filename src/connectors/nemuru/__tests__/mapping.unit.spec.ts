import { CallbackRejectedError } from "../../errors"
import type { CallbackInput, PspOrderLine } from "../../types"
import { acknowledgeNemuruNotification, notificationAuthorization, parseNemuruNotification } from "../callbacks"
import { parseNemuruError } from ".."
import { cancelActionId, fromNemuruOrder, MissingLineIdError, nemuruPaymentState, PAYMENT_PAYLOAD_KEY, toNemuruCreateOrder, toNemuruOperation } from "../mapping"
import { nemuruOrderSchema } from "../schemas"

const SECRET = "unit-test-secret-unit-test-secret-0123"
const lines: PspOrderLine[] = [
  { reference: "SHIRT", description: "Linen Shirt", kind: "product", quantity: 2, totalAmount: 129_803n, vatRate: "21" },
  { reference: "shipping", description: "Standard shipping", kind: "shipping", quantity: 1, totalAmount: 5_990n, vatRate: "21" },
]

describe("toNemuruCreateOrder", () => {
  const request = toNemuruCreateOrder(
    {
      key: "payses_1",
      orderReference: "cart_1",
      currency: "eur",
      amount: 135_793n,
      lines,
      customer: { email: "a@b.test", firstName: "Lena" },
      returnUrls: { success: "http://shop.test/ok", fail: "http://shop.test/fail" },
      callbackUrl: "http://shop.test/hooks/psp/nemuru_nemuru",
    },
    { product: "instalments" },
    notificationAuthorization(SECRET, "payses_1")
  )

  it("sends exact decimal euros, our line references on the articles, and the notification set-up", () => {
    expect(request.cart).toEqual({
      reference: "cart_1",
      currency: "EUR",
      total_price_with_tax: 1357.93,
      items: [
        {
          article: { name: "Linen Shirt", type: "product", category: "physical", reference: "SHIRT", unit_price_with_tax: 649.01 },
          units: 2,
          total_price_with_tax: 1298.03,
        },
        {
          article: { name: "Standard shipping", type: "product", category: "shipping_fee", reference: "shipping", unit_price_with_tax: 59.9 },
          units: 1,
          total_price_with_tax: 59.9,
        },
      ],
    })
    expect(request.merchant).toMatchObject({
      order_reference_1: "cart_1",
      notification_url: "http://shop.test/hooks/psp/nemuru_nemuru",
      notification_auth: { authorization_header: notificationAuthorization(SECRET, "payses_1"), content_type: "application/json" },
      notification_additional_payload: { [PAYMENT_PAYLOAD_KEY]: "payses_1" },
    })
    expect(request.customer).toEqual({ email: "a@b.test", first_name: "Lena" })
  })

  it("refuses a negative line instead of sending it", () => {
    expect(() =>
      toNemuruCreateOrder(
        {
          key: "k",
          orderReference: "r",
          currency: "eur",
          amount: 100n,
          lines: [{ ...lines[0], totalAmount: -100n }],
          returnUrls: { success: "http://a.test", fail: "http://a.test" },
          callbackUrl: "http://a.test",
        },
        { product: "split_pay" },
        "Basic x"
      )
    ).toThrow(/no negative order line/)
  })
})

describe("toNemuruOperation", () => {
  it("names Nemuru's item ids with this operation's units", () => {
    expect(toNemuruOperation([{ ...lines[0], quantity: 1 }], { SHIRT: "item-1", shipping: "item-2" }, true)).toEqual({
      items: [{ id: "item-1", units: 1 }],
      transactional: true,
    })
  })
  it("refuses a line whose item id is unknown", () => {
    expect(() => toNemuruOperation(lines, { SHIRT: "item-1" }, false)).toThrow(MissingLineIdError)
  })
})

describe("nemuruPaymentState", () => {
  const none = { authorized: 0n, captured: 0n, pendingCapture: 0n }
  it.each([
    ["pending", none, "awaiting_shopper"],
    ["approved", none, "held"],
    ["on_hold", none, "held"],
    ["denied", none, "rejected"],
    ["cancelled", none, "canceled"],
    ["confirmed", { ...none, authorized: 1n }, "authorized"],
    ["confirmed", { ...none, pendingCapture: 1n, captured: 1n }, "authorized"],
    ["confirmed", { ...none, captured: 1n }, "captured"],
    ["confirmed", none, "canceled"],
  ] as const)("%s %o → %s", (status, amounts, state) => {
    expect(nemuruPaymentState(status, amounts)).toBe(state)
  })
})

const order = (overrides: Record<string, unknown> = {}) =>
  nemuruOrderSchema.parse({
    order_id: "order-1",
    status: "confirmed",
    redirect_url: "http://nemuru.test/checkout/order-1",
    cart: {
      currency: "EUR",
      total_price_with_tax: 1357.93,
      items: [
        { id: "item-1", article: { name: "Linen Shirt", reference: "SHIRT" }, units: 2, total_price_with_tax: 1298.03 },
        { id: "item-2", article: { name: "Standard shipping", reference: "shipping" }, units: 1, total_price_with_tax: 59.9 },
      ],
    },
    captured_amount: 649.01,
    refunded_amount: 0,
    captures: [
      { id: "cap-1", status: "confirmed", amount: 649.01, items: [{ id: "item-1", units: 1, amount: 649.01 }], created_at: "2026-01-01T00:00:00Z" },
      { id: "cap-2", status: "pending", amount: 59.9, items: [{ id: "item-2", units: 1, amount: 59.9 }], created_at: "2026-01-01T00:01:00Z" },
      { id: "cap-3", status: "rejected", amount: 649.02, items: [{ id: "item-1", units: 1, amount: 649.02 }], created_at: "2026-01-01T00:02:00Z" },
    ],
    refunds: [],
    ...overrides,
  })

describe("fromNemuruOrder", () => {
  it("reads exact amounts, item ids by our references, and each capture as an action with its own state", () => {
    const payment = fromNemuruOrder(order(), "eur")
    expect(payment).toMatchObject({
      pspReference: "order-1",
      state: "authorized",
      rawStatus: "confirmed",
      currency: "eur",
      totalAmount: 135_793n,
      capturedAmount: 64_901n,
      // what is neither captured nor waiting for the lender
      authorizedAmount: 135_793n - 64_901n - 5_990n,
      refundedAmount: 0n,
      canceledAmount: 0n,
      lineIds: { SHIRT: "item-1", shipping: "item-2" },
    })
    expect(payment.actions.map((action) => [action.id, action.status, action.amount])).toEqual([
      ["cap-1", "succeeded", 64_901n],
      ["cap-2", "pending", 5_990n],
      ["cap-3", "failed", 64_902n],
    ])
    expect(payment.actions[0].lines).toEqual([{ reference: "SHIRT", quantity: 1, amount: 64_901n }])
    expect(payment.actions[2].failureReason).toMatch(/lender rejected the capture/)
  })

  it("shows a canceled order's release as one cancel action named by the order", () => {
    const payment = fromNemuruOrder(order({ status: "cancelled", captures: [], captured_amount: 0 }), "eur")
    expect(payment).toMatchObject({ state: "canceled", authorizedAmount: 0n, canceledAmount: 135_793n })
    expect(payment.actions).toEqual([{ id: cancelActionId("order-1"), kind: "cancel", status: "succeeded", amount: 135_793n, lines: [] }])
  })
})

describe("notifications", () => {
  const input = (body: unknown, authorization?: string, method: "GET" | "POST" = "POST"): CallbackInput => ({
    method,
    rawBody: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
    headers: authorization === undefined ? {} : { authorization },
    query: {},
  })
  const good = notificationAuthorization(SECRET, "payses_1")

  it("derives a different Authorization per order and per secret", () => {
    expect(good).toMatch(/^Basic [A-Za-z0-9+/=]+$/)
    expect(notificationAuthorization(SECRET, "payses_2")).not.toBe(good)
    expect(notificationAuthorization(`${SECRET}x`, "payses_1")).not.toBe(good)
    expect(good).not.toContain(SECRET)
  })

  it("reads a genuine status notification into a verified hint naming our payment", () => {
    const hint = parseNemuruNotification(input({ [PAYMENT_PAYLOAD_KEY]: "payses_1", order_id: "order-1", status: "approved" }, good), SECRET)
    expect(hint).toEqual({
      lookup: { merchantReference: "payses_1" },
      dedupKey: "order-1:status:approved",
      event: "approved",
      auditPayload: { order_id: "order-1", status: "approved" },
      verified: true,
    })
    expect(acknowledgeNemuruNotification(hint, false, true)).toEqual({ status: 200, headers: { autoconfirm: "true" }, body: { received: true, duplicate: false } })
    expect(acknowledgeNemuruNotification(hint, true, false)).toEqual({ status: 200, body: { received: true, duplicate: true } })
  })

  it("keys an operation notification by the operation's id", () => {
    const hint = parseNemuruNotification(
      input({ [PAYMENT_PAYLOAD_KEY]: "payses_1", order_id: "order-1", status: "confirmed", event: "order_capture_created", capture: { id: "cap-1", status: "confirmed" } }, good),
      SECRET
    )
    expect(hint).toMatchObject({ dedupKey: "order-1:order_capture_created:cap-1", event: "order_capture_created" })
    expect(acknowledgeNemuruNotification(hint, false, true).headers).toBeUndefined()
  })

  it.each([
    ["no header", undefined],
    ["a wrong header", "Basic bm9wZTpub3Bl"],
    ["another order's header", notificationAuthorization(SECRET, "payses_2")],
    ["a header of the same length", good.slice(0, -2) + (good.endsWith("A=") ? "B=" : "A=")],
  ])("refuses %s with 401", (_what, authorization) => {
    const body = { [PAYMENT_PAYLOAD_KEY]: "payses_1", order_id: "order-1", status: "confirmed" }
    expect(() => parseNemuruNotification(input(body, authorization), SECRET)).toThrow(expect.objectContaining({ httpStatus: 401 }))
  })

  it.each([
    ["a GET", input({ order_id: "order-1", status: "confirmed", [PAYMENT_PAYLOAD_KEY]: "payses_1" }, good, "GET")],
    ["a body that is not JSON", input("order_id=1", good)],
    ["no order id", input({ status: "confirmed", [PAYMENT_PAYLOAD_KEY]: "payses_1" }, good)],
    ["no payment named", input({ order_id: "order-1", status: "confirmed" }, good)],
  ])("refuses %s with 400", (_what, callback) => {
    let error: unknown
    try {
      parseNemuruNotification(callback, SECRET)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(CallbackRejectedError)
    expect((error as CallbackRejectedError).httpStatus).toBe(400)
  })
})

describe("parseNemuruError", () => {
  it("takes the exception's class name as the code and the error as the message", () => {
    expect(
      parseNemuruError({
        status: "ko",
        exception: "Nemuru\\Module\\Order\\Domain\\Exception\\LenderRejectedOperationException",
        error: "The lender rejected the capture",
      })
    ).toEqual({ code: "LenderRejectedOperationException", message: "The lender rejected the capture", fields: undefined })
  })
})
