import fc from "fast-check"
import { fitKey } from "../keys"

describe("fitKey", () => {
  it("keeps a key that fits unchanged", () => {
    expect(fitKey("capture:fulfillment:ful_01", 50)).toBe("capture:fulfillment:ful_01")
    const exactly50 = "k".repeat(50)
    expect(fitKey(exactly50, 50)).toBe(exactly50)
  })

  it("gives two keys that share their first 50 characters two different fitted keys", () => {
    const shared = "capture:fulfillment:ful_01JABCDEFGHJKMNPQRSTVWXYZ0" // 50 characters
    expect(shared).toHaveLength(50)
    const first = fitKey(`${shared}:inst_1`, 50)
    const second = fitKey(`${shared}:inst_2`, 50)
    expect(first).not.toBe(second)
    // a prefix would have made them equal: this is the collision fitKey exists to prevent
    expect(first).not.toBe(shared)
  })

  it("is deterministic and never longer than the field", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 24, max: 120 }), (key, max) => {
        const fitted = fitKey(key, max)
        expect(fitted.length).toBeLessThanOrEqual(max)
        expect(fitKey(key, max)).toBe(fitted)
        if (key.length <= max) {
          expect(fitted).toBe(key)
        }
      })
    )
  })

  it("never maps two different long keys to one fitted key", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 51, maxLength: 200 }), fc.string({ minLength: 51, maxLength: 200 }), (a, b) => {
        fc.pre(a !== b)
        expect(fitKey(a, 50)).not.toBe(fitKey(b, 50))
      })
    )
  })

  it("refuses a field too short to hold a collision-safe hash", () => {
    expect(() => fitKey("x".repeat(30), 20)).toThrow(/cannot hold/)
  })
})
