import { fitKey } from "../keys"
import { findPspAction } from "../matching"
import type { PspAction } from "../types"

const action = (id: string, kind: PspAction["kind"], key?: string): PspAction => ({
  id,
  kind,
  status: "succeeded",
  ...(key !== undefined ? { key } : {}),
  amount: 100n,
  lines: [],
})

const LONG_A = `capture:fulfillment:${"x".repeat(40)}:A`
const LONG_B = `capture:fulfillment:${"x".repeat(40)}:B`

describe("findPspAction", () => {
  const echoes = { echoesKey: { maxLength: 50 } } as const
  const silent = { echoesKey: false } as const

  it("finds an action by our key as the PSP echoes it", () => {
    const payment = { actions: [action("a1", "capture", "capt_1"), action("a2", "capture", "capt_2")] }
    expect(findPspAction(payment, "capture", "capt_2", echoes, [])?.id).toBe("a2")
    expect(findPspAction(payment, "capture", "capt_3", echoes, [])).toBeUndefined()
  })

  it("matches a long key by its fitted form, and tells two keys sharing 50 characters apart", () => {
    const payment = { actions: [action("a1", "capture", fitKey(LONG_A, 50)), action("a2", "capture", fitKey(LONG_B, 50))] }
    expect(findPspAction(payment, "capture", LONG_A, echoes, [])?.id).toBe("a1")
    expect(findPspAction(payment, "capture", LONG_B, echoes, [])?.id).toBe("a2")
    // what a prefix would have sent matches neither
    const prefixed = { actions: [action("a3", "capture", LONG_A.slice(0, 50))] }
    expect(findPspAction(prefixed, "capture", LONG_A, echoes, [])).toBeUndefined()
  })

  it("never matches an action of another kind", () => {
    const payment = { actions: [action("a1", "refund", "op_1")] }
    expect(findPspAction(payment, "capture", "op_1", echoes, ["a1"])).toBeUndefined()
    expect(findPspAction(payment, "refund", "op_1", echoes, [])?.id).toBe("a1")
  })

  it("finds an action by the PSP's ids when the PSP does not echo keys", () => {
    const payment = { actions: [action("a1", "capture"), action("a2", "capture")] }
    expect(findPspAction(payment, "capture", "capt_1", silent, ["a2"])?.id).toBe("a2")
    expect(findPspAction(payment, "capture", "capt_1", silent, [])).toBeUndefined()
    expect(findPspAction(payment, "capture", "capt_1", silent, ["zz"])).toBeUndefined()
  })

  it("does not trust an echoed key when the PSP is declared not to echo (it may be another system's)", () => {
    const payment = { actions: [action("a1", "capture", "capt_1")] }
    expect(findPspAction(payment, "capture", "capt_1", silent, [])).toBeUndefined()
  })

  it("falls back to the PSP's ids for operations the PSP keeps no key on (Resurs cancels)", () => {
    const payment = { actions: [action("c1", "cancel"), action("c2", "cancel")] }
    expect(findPspAction(payment, "cancel", "cancel:order:order_1", echoes, ["c2"])?.id).toBe("c2")
    expect(findPspAction(payment, "cancel", "cancel:order:order_1", echoes, [])).toBeUndefined()
  })

  it("returns the first recorded when the PSP applied one key twice", () => {
    const payment = { actions: [action("a1", "capture", "capt_1"), action("a2", "capture", "capt_1")] }
    expect(findPspAction(payment, "capture", "capt_1", echoes, [])?.id).toBe("a1")
  })
})
