import fc from "fast-check"
import { BigNumber } from "@medusajs/framework/utils"
import { BigNumber as BigNumberJS } from "bignumber.js"
import {
  currencyExponent,
  formatDecimal,
  fromMinorUnits,
  InvalidAmountError,
  KNOWN_CURRENCIES,
  minorUnitsToSafeNumber,
  parseDecimal,
  parseMinorUnits,
  toMinorUnits,
  UnknownCurrencyError,
} from "../money"

describe("currencyExponent", () => {
  it.each([
    ["JPY", 0], ["krw", 0], ["ISK", 0], ["CLP", 0], ["VND", 0], ["XOF", 0],
    ["EUR", 2], ["sek", 2], ["USD", 2],
    ["KWD", 3], ["BHD", 3], ["JOD", 3], ["OMR", 3], ["TND", 3], ["IQD", 3], ["LYD", 3],
    ["CLF", 4],
  ])("%s has %i decimals", (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent)
  })

  it("rejects an unknown code with an error naming it", () => {
    expect(() => currencyExponent("XYZ")).toThrow(UnknownCurrencyError)
    expect(() => currencyExponent("XYZ")).toThrow(/"XYZ"/)
    expect(() => toMinorUnits(1, "btc")).toThrow(/Unknown currency "btc"/)
  })
})

describe("toMinorUnits", () => {
  it("reads every shape of Medusa amount", () => {
    expect(toMinorUnits(10.5, "eur")).toBe(1050n)
    expect(toMinorUnits("10.5", "eur")).toBe(1050n)
    expect(toMinorUnits({ value: "25", precision: 20 }, "eur")).toBe(2500n)
    expect(toMinorUnits({ value: "25.00000000000000000000", precision: 20 }, "sek")).toBe(2500n)
    expect(toMinorUnits(new BigNumber("19.99"), "eur")).toBe(1999n)
    expect(toMinorUnits(new BigNumber({ value: "7", precision: 20 }), "jpy")).toBe(7n)
    expect(toMinorUnits(new BigNumberJS("0.125"), "kwd")).toBe(125n)
    expect(toMinorUnits(1000, "jpy")).toBe(1000n)
  })

  it("reads exponent notation the way bignumber.js and JS numbers print it", () => {
    expect(toMinorUnits("1e3", "eur")).toBe(100000n)
    expect(toMinorUnits(1e21, "eur")).toBe(100000000000000000000000n)
    expect(toMinorUnits({ value: "1.0000000000000000000e+25", precision: 20 }, "jpy")).toBe(10n ** 25n)
    expect(toMinorUnits(1e-7, "eur")).toBe(0n)
  })

  it("rounds extra decimals half-up away from zero", () => {
    expect(toMinorUnits("2.675", "usd")).toBe(268n)
    expect(toMinorUnits(2.675, "usd")).toBe(268n)
    expect(toMinorUnits("2.674999", "usd")).toBe(267n)
    expect(toMinorUnits("-2.675", "usd")).toBe(-268n)
    expect(toMinorUnits("-2.674", "usd")).toBe(-267n)
    expect(toMinorUnits("0.5", "jpy")).toBe(1n)
    expect(toMinorUnits("0.49", "jpy")).toBe(0n)
    expect(toMinorUnits("5.1245", "kwd")).toBe(5125n)
    expect(toMinorUnits("0.004104", "usd")).toBe(0n)
    expect(toMinorUnits("-0.004", "usd")).toBe(0n)
  })

  it("never goes through floating point: 0.1 + 0.2 style values stay exact", () => {
    expect(toMinorUnits("90071992547409.93", "eur")).toBe(9007199254740993n)
    expect(toMinorUnits("123456789012345678901234567890.12", "eur")).toBe(12345678901234567890123456789012n)
  })

  it.each([NaN, Infinity, "", "abc", "1,5", ".", "e5", "1.2.3", null, undefined, {}])("rejects %p", (value) => {
    expect(() => toMinorUnits(value as never, "eur")).toThrow(InvalidAmountError)
  })
})

describe("fromMinorUnits and formatDecimal", () => {
  it("writes exactly the currency's decimals", () => {
    expect(fromMinorUnits(1050n, "eur")).toBe("10.50")
    expect(fromMinorUnits(5n, "eur")).toBe("0.05")
    expect(fromMinorUnits(-5n, "eur")).toBe("-0.05")
    expect(fromMinorUnits(0n, "eur")).toBe("0.00")
    expect(fromMinorUnits(1000n, "jpy")).toBe("1000")
    expect(fromMinorUnits(1234n, "kwd")).toBe("1.234")
  })

  it("caps decimals for PSPs that take fewer, and refuses to round", () => {
    expect(formatDecimal(1050n, "eur", 2)).toBe("10.50")
    expect(formatDecimal(1230n, "kwd", 2)).toBe("1.23")
    expect(formatDecimal(1000n, "jpy", 2)).toBe("1000")
    expect(() => formatDecimal(1234n, "kwd", 2)).toThrow(/1\.234 KWD cannot be written with at most 2 decimals/)
    expect(() => formatDecimal(1050n, "eur", 0)).toThrow(InvalidAmountError)
    expect(formatDecimal(1000n, "eur", 0)).toBe("10")
    expect(() => formatDecimal(1n, "eur", -1)).toThrow(RangeError)
  })

  it("rejects a number where a bigint is required", () => {
    expect(() => fromMinorUnits(10 as never, "eur")).toThrow(InvalidAmountError)
  })
})

describe("parseDecimal", () => {
  it("reads PSP decimals as strings or JSON numbers", () => {
    expect(parseDecimal("10.50", "eur")).toBe(1050n)
    expect(parseDecimal("10.5", "eur")).toBe(1050n)
    expect(parseDecimal(10.5, "eur")).toBe(1050n)
    expect(parseDecimal("0", "eur")).toBe(0n)
    expect(parseDecimal("-3.20", "sek")).toBe(-320n)
    expect(parseDecimal(1000, "jpy")).toBe(1000n)
    expect(parseDecimal("1.234", "kwd")).toBe(1234n)
  })

  it.each([
    ["10.505", /EUR has 2 decimals, the amount has 3/],
    ["1e3", /plain decimal/],
    ["NaN", /plain decimal/],
    ["", /plain decimal/],
    [" 10", /plain decimal/],
    ["010", /plain decimal/],
    ["+10", /plain decimal/],
    [".5", /plain decimal/],
    ["5.", /plain decimal/],
    ["1,50", /plain decimal/],
  ])("rejects %p", (value, message) => {
    expect(() => parseDecimal(value, "eur")).toThrow(message)
  })

  it("rejects JSON numbers it cannot trust", () => {
    expect(() => parseDecimal(NaN, "eur")).toThrow(/finite/)
    expect(() => parseDecimal(0.1 + 0.2, "eur")).toThrow(/2 decimals/)
    expect(() => parseDecimal(1e21, "eur")).toThrow(/plain decimal/)
    expect(() => parseDecimal(12345678901234567, "eur")).toThrow(/significant digits/)
    expect(() => parseDecimal(1.5, "jpy")).toThrow(/JPY has 0 decimals/)
  })
})

describe("integer minor units (CM.com)", () => {
  it("parses and writes safe integers only", () => {
    expect(parseMinorUnits(1050)).toBe(1050n)
    expect(parseMinorUnits("1050")).toBe(1050n)
    expect(() => parseMinorUnits(10.5)).toThrow(InvalidAmountError)
    expect(() => parseMinorUnits("10.5")).toThrow(InvalidAmountError)
    expect(() => parseMinorUnits(2 ** 53)).toThrow(InvalidAmountError)
    expect(minorUnitsToSafeNumber(1050n)).toBe(1050)
    expect(() => minorUnitsToSafeNumber(2n ** 53n)).toThrow(/too large/)
  })
})

describe("conversion properties", () => {
  const currency = fc.constantFrom(...KNOWN_CURRENCIES)
  const minor = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n })

  it("round-trips minor → major → minor for every currency and exponent", () => {
    fc.assert(
      fc.property(currency, minor, (code, value) => {
        const major = fromMinorUnits(value, code)
        expect(toMinorUnits(major, code)).toBe(value)
        expect(parseDecimal(major, code)).toBe(value)
        expect(toMinorUnits({ value: major, precision: 20 }, code)).toBe(value)
        expect(toMinorUnits(new BigNumber(major), code)).toBe(value)
        expect(parseDecimal(formatDecimal(value * 100n, code, 2), code)).toBe(value * 100n)
      }),
      { numRuns: 3000 }
    )
  })

  it("rounds to the nearest minor unit (half away from zero) and is monotone", () => {
    const extraDigits = fc.integer({ min: 1, max: 6 })
    fc.assert(
      fc.property(currency, minor, extraDigits, fc.bigInt({ min: 0n, max: 999999n }), (code, value, extra, tail) => {
        const exponent = currencyExponent(code)
        const scaledTail = tail % 10n ** BigInt(extra)
        const precise = value * 10n ** BigInt(extra) + (value < 0n ? -scaledTail : scaledTail)
        const text = majorFromScaled(precise, exponent + extra)
        const rounded = toMinorUnits(text, code)
        // |precise − rounded × 10^extra| ≤ half a minor unit, ties away from zero.
        const difference = precise - rounded * 10n ** BigInt(extra)
        const half = 10n ** BigInt(extra) / 2n
        expect(difference <= half && difference >= -half).toBe(true)
        if (half > 0n && difference === (precise < 0n ? -half : half)) {
          throw new Error(`tie ${text} was not rounded away from zero`)
        }
        const next = majorFromScaled(precise + 1n, exponent + extra)
        expect(toMinorUnits(next, code) >= rounded).toBe(true)
      }),
      { numRuns: 3000 }
    )
  })
})

/** Writes value × 10^-scale as a decimal string with BigInt only (test helper, independent of money.ts). */
function majorFromScaled(value: bigint, scale: number): string {
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(scale + 1, "0")
  const integer = digits.slice(0, digits.length - scale)
  const fraction = digits.slice(digits.length - scale)
  return `${negative ? "-" : ""}${integer}${fraction ? `.${fraction}` : ""}`
}
