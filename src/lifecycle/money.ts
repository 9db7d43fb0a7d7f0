/**
 * Money: ISO 4217 exponents, integer minor units and the decimal strings PSPs exchange.
 *
 * One rule everywhere: amounts are `bigint` minor units inside the plugin, converted only at the
 * edges (Medusa's BigNumber amounts on one side, a PSP's decimal or integer format on the other),
 * with string/BigInt arithmetic. No floating point arithmetic touches an amount.
 *
 * Rounding (only `toMinorUnits` ever rounds): an amount with more decimals than the currency has
 * is rounded half-up away from zero at the currency's exponent, like commerce tax rounding:
 * 2.675 USD → 268, 2.674 USD → 267, -2.675 USD → -268, 0.5 JPY → 1. PSP amounts (`parseDecimal`)
 * and PSP formats (`formatDecimal`) never round: a value that does not fit is an error.
 */
import type { BigNumberInput } from "@medusajs/framework/types"

/** An amount in the currency's smallest unit (cents, öre, yen, fils). */
export type MinorUnits = bigint

/** ISO 4217 minor-unit exponents for every active currency that is not a commodity or test code. */
const ZERO_DECIMAL = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"]
const THREE_DECIMAL = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
const FOUR_DECIMAL = ["CLF", "UYW"]
const TWO_DECIMAL = [
  "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BMD", "BND",
  "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CNY", "COP", "COU",
  "CRC", "CUC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL",
  "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS",
  "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP",
  "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN",
  "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE",
  "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS",
  "UAH", "USD", "USN", "UYU", "UZS", "VED", "VES", "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
]

const EXPONENTS: ReadonlyMap<string, number> = new Map([
  ...ZERO_DECIMAL.map((code) => [code, 0] as const),
  ...TWO_DECIMAL.map((code) => [code, 2] as const),
  ...THREE_DECIMAL.map((code) => [code, 3] as const),
  ...FOUR_DECIMAL.map((code) => [code, 4] as const),
])

/** Every currency code `currencyExponent` knows, upper case. */
export const KNOWN_CURRENCIES: readonly string[] = [...EXPONENTS.keys()].sort()

export class UnknownCurrencyError extends Error {
  constructor(readonly currencyCode: string) {
    super(`Unknown currency "${currencyCode}": not an ISO 4217 currency this plugin knows the minor unit of`)
    this.name = "UnknownCurrencyError"
  }
}

/** Thrown for an amount that is not a well-formed decimal, or does not fit the requested format. */
export class InvalidAmountError extends Error {
  constructor(readonly value: unknown, reason: string) {
    super(`Invalid amount ${describe(value)}: ${reason}`)
    this.name = "InvalidAmountError"
  }
}

function describe(value: unknown): string {
  if (typeof value === "bigint") {
    return `${value}n`
  }
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** ISO 4217 minor-unit exponent (0 for JPY, 2 for EUR, 3 for KWD); case-insensitive. */
export function currencyExponent(currencyCode: string): number {
  const exponent = EXPONENTS.get(String(currencyCode).toUpperCase())
  if (exponent === undefined) {
    throw new UnknownCurrencyError(currencyCode)
  }
  return exponent
}

/** A decimal number as sign, digits and scale: value = sign × digits × 10^-scale. */
interface Decimal {
  negative: boolean
  digits: bigint
  scale: number
}

const LENIENT_DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i
const STRICT_DECIMAL = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/

function decimalFromParts(value: unknown, sign: string, integer: string, fraction: string, exponent: number): Decimal {
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) {
    throw new InvalidAmountError(value, "exponent out of range")
  }
  const digits = BigInt(`${integer}${fraction}` || "0")
  let scale = fraction.length - exponent
  let scaled = digits
  if (scale < 0) {
    scaled = digits * 10n ** BigInt(-scale)
    scale = 0
  }
  return { negative: sign === "-" && scaled !== 0n, digits: scaled, scale }
}

/** Reads the decimal forms Medusa and bignumber.js produce, exponent notation included. */
function parseLenient(value: unknown, text: string): Decimal {
  const match = LENIENT_DECIMAL.exec(text.trim())
  if (!match || (match[2] === "" && !match[3])) {
    throw new InvalidAmountError(value, "not a decimal number")
  }
  return decimalFromParts(value, match[1], match[2], match[3] ?? "", Number(match[4] ?? "0"))
}

/** Any Medusa amount (number, string, `{ value, precision }` raw object, BigNumber) as a decimal string. */
function medusaAmountText(amount: BigNumberInput | string | number): string {
  if (typeof amount === "number") {
    if (!Number.isFinite(amount)) {
      throw new InvalidAmountError(amount, "not a finite number")
    }
    return String(amount)
  }
  if (typeof amount === "string") {
    return amount
  }
  if (amount && typeof amount === "object") {
    const candidate = amount as {
      raw?: { value?: unknown }
      value?: unknown
      toFixed?: () => string
      _isBigNumber?: boolean
      bigNumber?: { toFixed(): string }
    }
    if (candidate._isBigNumber === true && typeof candidate.toFixed === "function") {
      return candidate.toFixed() // a bignumber.js instance: full notation, no exponent
    }
    if (candidate.bigNumber && typeof candidate.bigNumber.toFixed === "function") {
      return candidate.bigNumber.toFixed() // Medusa's BigNumber class
    }
    if (candidate.raw && (typeof candidate.raw.value === "string" || typeof candidate.raw.value === "number")) {
      return String(candidate.raw.value)
    }
    if (typeof candidate.value === "string" || typeof candidate.value === "number") {
      return String(candidate.value) // the raw `{ value, precision }` object refunds arrive as
    }
  }
  throw new InvalidAmountError(amount, "expected a number, a decimal string, a BigNumber or a { value } raw amount")
}

/**
 * A Medusa amount (major units) to integer minor units. Extra decimals are rounded half-up away
 * from zero: `toMinorUnits("2.675", "usd") === 268n`, `toMinorUnits({ value: "25", precision: 20 }, "eur") === 2500n`.
 */
export function toMinorUnits(amount: BigNumberInput | string | number, currencyCode: string): MinorUnits {
  const exponent = currencyExponent(currencyCode)
  const decimal = parseLenient(amount, medusaAmountText(amount))
  let minor: bigint
  if (decimal.scale <= exponent) {
    minor = decimal.digits * 10n ** BigInt(exponent - decimal.scale)
  } else {
    const divisor = 10n ** BigInt(decimal.scale - exponent)
    minor = decimal.digits / divisor
    if ((decimal.digits % divisor) * 2n >= divisor) {
      minor += 1n // half-up on the magnitude, so away from zero for negatives
    }
  }
  return decimal.negative ? -minor : minor
}

function assertMinor(minor: MinorUnits): void {
  if (typeof minor !== "bigint") {
    throw new InvalidAmountError(minor, "minor units must be a bigint")
  }
}

/** Major-unit decimal string with exactly `decimals` decimals; `minor` has `exponent` implied decimals. */
function majorString(minor: MinorUnits, exponent: number, decimals: number): string {
  const magnitude = (minor < 0n ? -minor : minor).toString().padStart(exponent + 1, "0")
  const integer = magnitude.slice(0, magnitude.length - exponent)
  const fraction = magnitude.slice(magnitude.length - exponent, magnitude.length - exponent + decimals)
  return `${minor < 0n ? "-" : ""}${integer}${fraction ? `.${fraction}` : ""}`
}

/**
 * Integer minor units to a major-unit decimal string with exactly the currency's decimals
 * ("10.50" EUR, "1000" JPY, "1.234" KWD): a valid Medusa BigNumberInput.
 */
export function fromMinorUnits(minor: MinorUnits, currencyCode: string): string {
  assertMinor(minor)
  const exponent = currencyExponent(currencyCode)
  return majorString(minor, exponent, exponent)
}

/**
 * Minor units as a PSP decimal string with min(exponent, maxDecimals) decimals. A value that
 * needs more decimals than `maxDecimals` (1.234 KWD for a PSP that takes two) is an
 * `InvalidAmountError`, never a silent rounding.
 */
export function formatDecimal(minor: MinorUnits, currencyCode: string, maxDecimals?: number): string {
  assertMinor(minor)
  const exponent = currencyExponent(currencyCode)
  if (maxDecimals !== undefined && (!Number.isSafeInteger(maxDecimals) || maxDecimals < 0)) {
    throw new RangeError(`maxDecimals must be a non-negative integer (got ${maxDecimals})`)
  }
  const decimals = Math.min(exponent, maxDecimals ?? exponent)
  const dropped = 10n ** BigInt(exponent - decimals)
  if (minor % dropped !== 0n) {
    throw new InvalidAmountError(
      minor,
      `${fromMinorUnits(minor, currencyCode)} ${currencyCode.toUpperCase()} cannot be written with at most ${decimals} decimals`
    )
  }
  return majorString(minor, exponent, decimals)
}

/** Significant digits a JSON number can carry without doubt about what the PSP sent. */
const MAX_TRUSTED_NUMBER_DIGITS = 15

/**
 * Strict parse of a PSP's decimal amount (a JSON number or a string such as "10.5") into minor
 * units. Rejects exponent notation, NaN, Infinity, empty strings, leading zeros, whitespace, more
 * decimals than the currency has, and JSON numbers with more than 15 significant digits.
 */
export function parseDecimal(value: string | number, currencyCode: string): MinorUnits {
  const exponent = currencyExponent(currencyCode)
  let text: string
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new InvalidAmountError(value, "not a finite number")
    }
    text = String(value)
  } else if (typeof value === "string") {
    text = value
  } else {
    throw new InvalidAmountError(value, "expected a decimal string or a JSON number")
  }
  const match = STRICT_DECIMAL.exec(text)
  if (!match) {
    throw new InvalidAmountError(value, 'expected a plain decimal like "10.50" (no exponent, spaces or leading zeros)')
  }
  const fraction = match[3] ?? ""
  if (fraction.length > exponent) {
    throw new InvalidAmountError(
      value,
      `${currencyCode.toUpperCase()} has ${exponent} decimals, the amount has ${fraction.length}`
    )
  }
  if (typeof value === "number" && `${match[2]}${fraction}`.replace(/^0+/, "").length > MAX_TRUSTED_NUMBER_DIGITS) {
    throw new InvalidAmountError(value, `a JSON number with more than ${MAX_TRUSTED_NUMBER_DIGITS} significant digits loses precision; send a string`)
  }
  const decimal = decimalFromParts(value, match[1], match[2], fraction, 0)
  const minor = decimal.digits * 10n ** BigInt(exponent - decimal.scale)
  return decimal.negative ? -minor : minor
}

/** Integer minor units as sent by PSPs that use them (CM.com): a safe integer or a digit string. */
export function parseMinorUnits(value: string | number): MinorUnits {
  if (typeof value === "number" ? !Number.isSafeInteger(value) : !/^-?(0|[1-9]\d*)$/.test(String(value))) {
    throw new InvalidAmountError(value, "expected an integer amount in minor units")
  }
  return BigInt(value)
}

/** Minor units as a JS number for PSPs whose JSON takes an integer; refuses values beyond 2^53. */
export function minorUnitsToSafeNumber(minor: MinorUnits): number {
  assertMinor(minor)
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidAmountError(minor, "too large to send as a JSON number")
  }
  return Number(minor)
}
