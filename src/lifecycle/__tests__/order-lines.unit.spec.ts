import { bindLinesToOrderItems, checkoutLinesFromCart, combinedVatRate } from "../order-lines"

const cart = {
  id: "cart_1",
  currency_code: "sek",
  total: 1952.9,
  items: [
    { id: "cali_1", title: "Linen Shirt", product_title: "Linen Shirt", variant_title: "One size", variant_id: "var_1", variant_sku: "LINEN-SHIRT", quantity: 2, total: 1298, tax_lines: [{ rate: 25 }] },
    { id: "cali_2", title: "Wool Sweater", variant_id: "var_2", variant_sku: null, quantity: 1, total: 595.9, tax_lines: [{ rate: 12 }, { rate: 0.5 }] },
    { id: "cali_3", title: "Linen Shirt (gift)", variant_id: "var_1", variant_sku: "LINEN-SHIRT", quantity: 1, total: 0, tax_lines: [] },
  ],
  shipping_methods: [{ id: "casm_1", name: "Standard shipping", total: 59, tax_lines: [{ rate: 25 }] }],
}

describe("checkoutLinesFromCart", () => {
  it("builds one line per item and shipping method, in minor units, summing to the cart total", () => {
    const { lines, total } = checkoutLinesFromCart(cart)
    expect(total).toBe(195_290n)
    expect(lines.map((l) => [l.reference, l.kind, l.quantity, l.totalAmount, l.vatRate])).toEqual([
      ["LINEN-SHIRT", "product", 2, 129_800n, "25"],
      ["var_2", "product", 1, 59_590n, "12.5"],
      ["LINEN-SHIRT-2", "product", 1, 0n, "0"],
      ["shipping", "shipping", 1, 5_900n, "25"],
    ])
    expect(lines.reduce((sum, l) => sum + l.totalAmount, 0n)).toBe(total)
  })

  it("explains a total the lines do not reach (store credit) with one adjustment line", () => {
    const { lines } = checkoutLinesFromCart({ ...cart, total: 1900 })
    expect(lines.at(-1)).toMatchObject({ reference: "adjustment", kind: "discount", totalAmount: -5_290n })
  })

  it("refuses a fractional quantity with the value named", () => {
    expect(() => checkoutLinesFromCart({ ...cart, items: [{ ...cart.items[0], quantity: 1.5 }] })).toThrow(/1.5.*whole number/)
  })
})

describe("combinedVatRate", () => {
  it("adds rates exactly", () => {
    expect(combinedVatRate([{ rate: 0.1 }, { rate: 0.2 }])).toBe("0.3")
    expect(combinedVatRate([{ rate: "25" }])).toBe("25")
    expect(combinedVatRate(undefined)).toBe("0")
  })
})

describe("bindLinesToOrderItems", () => {
  it("binds product lines to order items by variant and quantity, in order", () => {
    const { lines } = checkoutLinesFromCart(cart)
    const bound = bindLinesToOrderItems(lines, [
      { id: "ordli_b", variant_id: "var_1", quantity: 1 },
      { id: "ordli_a", variant_id: "var_1", quantity: 2 },
      { id: "ordli_c", variant_id: "var_2", quantity: 1 },
    ])
    expect(bound.map((l) => [l.reference, l.orderItemId])).toEqual([
      ["LINEN-SHIRT", "ordli_a"],
      ["var_2", "ordli_c"],
      ["LINEN-SHIRT-2", "ordli_b"],
      ["shipping", undefined],
    ])
  })
})
