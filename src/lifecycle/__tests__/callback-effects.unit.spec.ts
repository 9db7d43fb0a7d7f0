import fc from "fast-check"
import { callbackEffects, type MedusaPaymentSide } from "../callback-effects"

const noOrder: MedusaPaymentSide = { orderCanceled: false, paymentExists: false }
const heldOrder: MedusaPaymentSide = { orderId: "order_1", orderCanceled: false, paymentExists: false, recordedState: "on_hold" }

describe("callbackEffects", () => {
  it("completes the cart when the PSP approved, held or captured and no order exists", () => {
    for (const state of ["authorized", "held", "captured"] as const) {
      expect(callbackEffects(state, noOrder)).toEqual([{ kind: "process_payment" }])
    }
  })

  it("does nothing while the shopper is still on the hosted page", () => {
    expect(callbackEffects("awaiting_shopper", noOrder)).toEqual([])
  })

  it("holds an existing order once, and releases it with a deferred authorization", () => {
    const unmarked = { ...heldOrder, recordedState: undefined }
    expect(callbackEffects("held", unmarked)).toEqual([{ kind: "mark_order", state: "on_hold" }])
    expect(callbackEffects("held", heldOrder)).toEqual([])
    expect(callbackEffects("authorized", heldOrder)).toEqual([
      { kind: "process_payment" },
      { kind: "mark_order", state: "processing" },
    ])
    expect(callbackEffects("authorized", { ...heldOrder, paymentExists: true, recordedState: "processing" })).toEqual([])
  })

  it("leaves the cart open for another attempt when rejected before an order exists", () => {
    expect(callbackEffects("rejected", noOrder)).toEqual([])
    expect(callbackEffects("canceled", noOrder)).toEqual([])
  })

  it("cancels a held order the PSP rejected, once", () => {
    expect(callbackEffects("rejected", heldOrder)).toEqual([{ kind: "cancel_order" }, { kind: "mark_order", state: "failed" }])
    expect(callbackEffects("rejected", { ...heldOrder, orderCanceled: true, recordedState: "failed" })).toEqual([])
  })

  it("converges: applying its effects reaches, within two passes, a side that asks for nothing more", () => {
    const sides = fc.record({
      orderId: fc.option(fc.constant("order_1"), { nil: undefined }),
      orderCanceled: fc.boolean(),
      paymentExists: fc.boolean(),
      recordedState: fc.option(fc.constantFrom("pending", "processing", "on_hold", "failed" as const), { nil: undefined }),
    })
    const states = fc.constantFrom("awaiting_shopper", "held", "authorized", "captured", "rejected", "canceled" as const)
    // what each effect does to the Medusa side, as the workflow applies it
    const apply = (state: string, side: MedusaPaymentSide): MedusaPaymentSide => {
      const after = { ...side }
      for (const effect of callbackEffects(state as never, side)) {
        if (effect.kind === "process_payment") {
          after.orderId ??= "order_1"
          after.paymentExists = state !== "held"
        } else if (effect.kind === "mark_order") {
          after.recordedState = effect.state
        } else {
          after.orderCanceled = true
        }
      }
      return after
    }
    fc.assert(
      fc.property(states, sides, (state, side) => {
        const settled = apply(state, apply(state, side))
        expect(callbackEffects(state, settled)).toEqual([])
      }),
      { numRuns: 2000 }
    )
  })
})

describe("the ship gate (authorized, but the PSP has not cleared it for shipping)", () => {
  it("holds an authorized order like a credit review does, and releases it once the PSP clears it", () => {
    const placed = { orderId: "order_1", orderCanceled: false, paymentExists: true, recordedState: "processing" as const }
    expect(callbackEffects("authorized", placed, false)).toEqual([{ kind: "mark_order", state: "on_hold" }])
    expect(callbackEffects("authorized", { ...placed, recordedState: "on_hold" }, true)).toEqual([{ kind: "mark_order", state: "processing" }])
    // the cart is still completed: the gate is about shipping, not about taking the order
    expect(callbackEffects("authorized", { orderCanceled: false, paymentExists: false }, false)).toEqual([{ kind: "process_payment" }])
  })
})
