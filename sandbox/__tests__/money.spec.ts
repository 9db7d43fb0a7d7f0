import { formatDecimal, parseDecimal } from "../src/core/money"

describe("sandbox money", () => {
  it.each([
    [875, 2, 87500n],
    [499.95, 2, 49995n],
    [5000.0, 2, 500000n],
    ["12.30", 2, 1230n],
    [-10.5, 2, -1050n],
    [1.5, 3, 1500n],
    [0.001, 3, 1n],
  ])("parses %p at scale %p exactly", (input, scale, expected) => {
    expect(parseDecimal(input, scale)).toBe(expected)
  })

  it.each([[0.1 + 0.2], [1.005], ["1e3"], [Number.NaN], ["abc"], [null]])("refuses %p", (input) => {
    expect(parseDecimal(input, 2)).toBeUndefined()
  })

  it("formats minor units back", () => {
    expect(formatDecimal(49995n, 2)).toBe("499.95")
    expect(formatDecimal(5n, 2)).toBe("0.05")
    expect(formatDecimal(-1050n, 2)).toBe("-10.50")
  })
})
