import { batchEntityIds, groupCommit } from "../group-commit"

describe("groupCommit", () => {
  it("writes a lone call at once, and the calls that arrive meanwhile together as the next batch", async () => {
    const batches: number[][] = []
    let release: () => void = () => undefined
    const write = groupCommit(async (inputs: number[]) => {
      batches.push(inputs)
      if (batches.length === 1) {
        await new Promise<void>((resolve) => (release = resolve))
      }
      return inputs.map((input) => input * 10)
    })
    const first = write(1)
    const rest = [write(2), write(3), write(4)]
    expect(batches).toEqual([[1]])
    release()
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40])
    expect(batches).toEqual([[1], [2, 3, 4]])
  })

  it("fails each caller of a failed batch and goes on with the next one", async () => {
    let calls = 0
    const write = groupCommit(async (inputs: string[]) => {
      calls++
      if (calls === 2) throw new Error("deadlock detected")
      return inputs.map((input) => input.toUpperCase())
    })
    const first = write("a")
    const failed = [write("b"), write("c")]
    await expect(first).resolves.toBe("A")
    await expect(Promise.all(failed.map((call) => call.catch((error: Error) => error.message)))).resolves.toEqual(["deadlock detected", "deadlock detected"])
    await expect(write("d")).resolves.toBe("D")
  })

  it("keeps batches within maxBatch", async () => {
    const sizes: number[] = []
    let release: () => void = () => undefined
    const write = groupCommit(async (inputs: number[]) => {
      sizes.push(inputs.length)
      if (sizes.length === 1) await new Promise<void>((resolve) => (release = resolve))
      return inputs
    }, 3)
    const calls = Array.from({ length: 8 }, (_, index) => write(index))
    release()
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(sizes).toEqual([1, 3, 3, 1])
  })
})

describe("batchEntityIds", () => {
  it("makes distinct Medusa-shaped ids sharing the batch's time part", () => {
    const ids = batchEntityIds("pcb", 500)
    expect(ids).toHaveLength(500)
    expect(new Set(ids).size).toBe(500)
    for (const id of ids) expect(id).toMatch(/^pcb_[0-9A-HJKMNP-TV-Z]{26}$/)
    expect(new Set(ids.map((id) => id.slice(4, 14))).size).toBeLessThanOrEqual(2)
  })

  it("orders by time like a ULID (the time part is the millisecond clock in Crockford base 32)", () => {
    const clock = jest.spyOn(Date, "now")
    try {
      clock.mockReturnValue(1_469_918_176_385)
      const [earlier] = batchEntityIds("psync", 1)
      // the ULID spec's own example time
      expect(earlier.slice(6, 16)).toBe("01ARYZ6S41")
      clock.mockReturnValue(1_469_918_176_386)
      const [later] = batchEntityIds("psync", 1)
      expect(earlier.slice(0, 16) < later.slice(0, 16)).toBe(true)
    } finally {
      clock.mockRestore()
    }
  })
})
