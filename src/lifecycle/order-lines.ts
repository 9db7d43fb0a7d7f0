/**
 * The order lines a PSP sees, built from Medusa's cart totals, and the binding of those lines to
 * the order's items once the cart becomes an order (cart and order item ids differ).
 *
 * Line totals are Medusa's own (discounts and taxes applied, already rounded), so the lines add up
 * to the cart total exactly; anything the lines do not explain (credit lines, gift cards) becomes
 * one adjustment line rather than a silent mismatch.
 */
import type { BigNumberInput } from "@medusajs/framework/types"
import type { PspOrderLine } from "../connectors/types"
import { InvalidAmountError, toMinorUnits, type MinorUnits } from "./money"

type TaxLine = { rate: number | string | null | undefined }

export type CartItemForCheckout = {
  id: string
  title: string
  product_title?: string | null
  variant_title?: string | null
  variant_id?: string | null
  variant_sku?: string | null
  quantity: BigNumberInput
  total: BigNumberInput
  tax_lines?: TaxLine[] | null
}

export type CartShippingForCheckout = {
  id: string
  name: string
  total: BigNumberInput
  tax_lines?: TaxLine[] | null
}

export type CartForCheckout = {
  id: string
  currency_code: string
  total: BigNumberInput
  items?: CartItemForCheckout[] | null
  shipping_methods?: CartShippingForCheckout[] | null
}

/** A checkout line plus what identifies it on the Medusa side. */
export type CheckoutLine = PspOrderLine & {
  /** the variant the line sells, used to find the order item the line became */
  variantId?: string
  /** set once the order exists */
  orderItemId?: string
}

const REFERENCE_MAX = 50

/** Sum of tax rates in percent, exact (rates have at most 4 decimals in Medusa). */
export function combinedVatRate(taxLines: TaxLine[] | null | undefined): string {
  const SCALE = 10_000n
  let total = 0n
  for (const line of taxLines ?? []) {
    if (line.rate === null || line.rate === undefined) {
      continue
    }
    const text = String(line.rate)
    const match = /^(\d+)(?:\.(\d{1,4}))?$/.exec(text)
    if (!match) {
      throw new InvalidAmountError(line.rate, "a tax rate must be a non-negative percentage with at most 4 decimals")
    }
    total += BigInt(match[1]) * SCALE + BigInt((match[2] ?? "").padEnd(4, "0"))
  }
  const integer = total / SCALE
  const fraction = (total % SCALE).toString().padStart(4, "0").replace(/0+$/, "")
  return fraction ? `${integer}.${fraction}` : String(integer)
}

function quantityOf(value: BigNumberInput): number {
  const quantity = Number(typeof value === "object" && value !== null && "value" in value ? value.value : String(value))
  if (!Number.isSafeInteger(quantity) || quantity <= 0) {
    throw new InvalidAmountError(value, "a line quantity must be a positive whole number")
  }
  return quantity
}

function uniqueReference(base: string, taken: Set<string>): string {
  const trimmed = base.slice(0, REFERENCE_MAX)
  let candidate = trimmed
  for (let n = 2; taken.has(candidate); n++) {
    const suffix = `-${n}`
    candidate = `${trimmed.slice(0, REFERENCE_MAX - suffix.length)}${suffix}`
  }
  taken.add(candidate)
  return candidate
}

export function checkoutLinesFromCart(cart: CartForCheckout): { lines: CheckoutLine[]; total: MinorUnits } {
  const currency = cart.currency_code
  const taken = new Set<string>()
  const lines: CheckoutLine[] = []

  for (const item of cart.items ?? []) {
    const description = [item.product_title ?? item.title, item.variant_title]
      .filter((part) => part && part !== "Default variant" && part !== "One size")
      .join(" ")
    lines.push({
      reference: uniqueReference(item.variant_sku || item.variant_id || item.id, taken),
      description: description || item.title,
      kind: "product",
      quantity: quantityOf(item.quantity),
      totalAmount: toMinorUnits(item.total, currency),
      vatRate: combinedVatRate(item.tax_lines),
      ...(item.variant_id ? { variantId: item.variant_id } : {}),
    })
  }
  for (const method of cart.shipping_methods ?? []) {
    lines.push({
      reference: uniqueReference("shipping", taken),
      description: method.name,
      kind: "shipping",
      quantity: 1,
      totalAmount: toMinorUnits(method.total, currency),
      vatRate: combinedVatRate(method.tax_lines),
    })
  }

  const total = toMinorUnits(cart.total, currency)
  const explained = lines.reduce((sum, line) => sum + line.totalAmount, 0n)
  if (explained !== total) {
    const difference = total - explained
    lines.push({
      reference: uniqueReference("adjustment", taken),
      description: difference < 0n ? "Gift card or store credit" : "Other charges",
      kind: difference < 0n ? "discount" : "fee",
      quantity: 1,
      totalAmount: difference,
      vatRate: "0",
    })
  }
  return { lines, total }
}

export type OrderItemForBinding = { id: string; variant_id?: string | null; quantity: BigNumberInput }

/**
 * Ties each product line to the order item it became: by variant, in order of appearance, and with
 * the same quantity. Returns the lines with `orderItemId` set; lines that cannot be matched keep
 * none (they are then captured and refunded by amount only).
 */
export function bindLinesToOrderItems(lines: CheckoutLine[], items: OrderItemForBinding[]): CheckoutLine[] {
  const wholeQuantity = (item: OrderItemForBinding): number | undefined => {
    try {
      return quantityOf(item.quantity)
    } catch {
      return undefined
    }
  }
  const unbound = [...items]
  return lines.map((line) => {
    if (line.kind !== "product" || line.orderItemId) {
      return line
    }
    const index = unbound.findIndex(
      (item) => item.variant_id && item.variant_id === line.variantId && wholeQuantity(item) === line.quantity
    )
    if (index < 0) {
      return line
    }
    const [item] = unbound.splice(index, 1)
    return { ...line, orderItemId: item.id }
  })
}
