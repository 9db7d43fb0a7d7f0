import { fitKey } from "../../connectors/keys"
import { operationKey } from "../keys"

describe("operation keys", () => {
  it("derive from what asked, its Medusa id and the instrument", () => {
    expect(operationKey({ kind: "capture", source: "fulfillment", id: "ful_1", instrumentId: "pinst_1" })).toBe("capture:fulfillment:ful_1:pinst_1")
    expect(() => operationKey({ kind: "capture", source: "admin", id: "", instrumentId: "pinst_1" })).toThrow(/id is required/)
  })

  it("two payments of one order never share a key", () => {
    const a = operationKey({ kind: "capture", source: "fulfillment", id: "ful_1", instrumentId: "pinst_a" })
    const b = operationKey({ kind: "capture", source: "fulfillment", id: "ful_1", instrumentId: "pinst_b" })
    expect(a).not.toBe(b)
  })

  it("keys that share their first 50 characters stay distinct at a 50-character PSP field", () => {
    const admin = (request: string) => operationKey({ kind: "capture", source: "admin", id: `order_01JABCDEFGHJKMNPQRSTVWXYZ:${request}`, instrumentId: "pinst_01JABCDEFGHJKMNPQRSTVWXYZ" })
    const [first, second] = [admin("request-1"), admin("request-2")]
    expect(first.slice(0, 50)).toBe(second.slice(0, 50))
    expect(fitKey(first, 50)).not.toBe(fitKey(second, 50))
    expect(fitKey(first, 50).length).toBeLessThanOrEqual(50)
    expect(fitKey(first, 50)).toBe(fitKey(first, 50))
    expect(fitKey("short", 50)).toBe("short")
  })
})
