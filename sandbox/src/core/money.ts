/**
 * Exact decimal amounts for the simulated PSPs. Money is held as bigint minor units; JSON numbers are
 * read through their shortest decimal form (what `String(n)` prints), which is exactly what the
 * client wrote for any amount with up to 15 significant digits. Anything with more decimals than the
 * PSP allows (e.g. a float sum like 0.30000000000000004) is refused, never rounded.
 */
export type Scale = number

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/

export function parseDecimal(value: unknown, scale: Scale): bigint | undefined {
  let text: string
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      return undefined
    }
    text = numberToPlainString(value)
  } else if (typeof value === "string") {
    text = value.trim()
  } else {
    return undefined
  }
  const match = DECIMAL.exec(text)
  if (!match) {
    return undefined
  }
  const [, sign, whole, fraction = ""] = match
  const significantFraction = fraction.replace(/0+$/, "")
  if (significantFraction.length > scale) {
    return undefined
  }
  const minor = BigInt(whole + significantFraction.padEnd(scale, "0"))
  return sign === "-" ? -minor : minor
}

/** `String(1e-7)` is "1e-7"; amounts never look like that, but quantities might. */
function numberToPlainString(value: number): string {
  const text = String(value)
  if (!/e/i.test(text)) {
    return text
  }
  return value.toFixed(20).replace(/0+$/, "").replace(/\.$/, "")
}

export function formatDecimal(minor: bigint, scale: Scale): string {
  const negative = minor < 0n
  const digits = (negative ? -minor : minor).toString().padStart(scale + 1, "0")
  const whole = digits.slice(0, digits.length - scale)
  const fraction = digits.slice(digits.length - scale)
  return `${negative ? "-" : ""}${whole}${scale > 0 ? `.${fraction}` : ""}`
}

/**
 * For JSON output the PSPs here send numbers (`500.0`, `875`). A decimal string with ≤ 15 significant
 * digits converts to the double whose shortest form is that same string, so nothing is lost.
 */
export function decimalNumber(minor: bigint, scale: Scale): number {
  return Number(formatDecimal(minor, scale))
}

export function sum(values: Iterable<bigint>): bigint {
  let total = 0n
  for (const value of values) {
    total += value
  }
  return total
}

export function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
