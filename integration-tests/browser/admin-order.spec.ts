/**
 * The admin order page in a real browser: log in, the PSP payment ledger card shows the right
 * amounts and lines, capture chosen lines, refund chosen lines, and a refusal shows the server's
 * reason. The order comes from a real checkout on the demo storefront (Resurs Bank, SEK).
 */
import type { Locator, Page } from "playwright-core"
import { adminApi, adminUrl, loginAdmin, type AdminApi } from "./support/admin"
import { browserTest, expectText, useBrowser } from "./support/browser"
import { checkout, DEMO_PSPS } from "./support/shop"

useBrowser()

const RESURS = DEMO_PSPS.find((psp) => psp.name === "Resurs Bank")!
// demo/seed.ts prices in SEK: Linen Shirt 649, Wool Sweater 995, Canvas Tote 219; shipping 59
const ORDER_TOTAL = "2571.00 SEK" // 2 × 649 + 995 + 219 + 59

function amount(card: Locator, label: string): Locator {
  return card.locator("dt", { hasText: new RegExp(`^${label}$`) }).locator("xpath=following-sibling::dd[1]")
}

/** The ordered, captured, refunded and canceled quantities of a line, as the card's table shows them. */
async function lineQuantities(card: Locator, title: string): Promise<string[]> {
  const cells = card.getByRole("row").filter({ hasText: title }).getByRole("cell")
  return (await cells.allInnerTexts()).slice(1).map((text) => text.trim())
}

async function expectLine(card: Locator, title: string, expected: string[]): Promise<void> {
  const deadline = Date.now() + 30_000
  let seen: string[] = []
  while (Date.now() < deadline) {
    seen = await lineQuantities(card, title)
    if (JSON.stringify(seen) === JSON.stringify(expected)) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`line ${title}: expected quantities ${expected.join("/")}, the card shows ${seen.join("/")}`)
}

async function openLedger(page: Page, orderId: string): Promise<Locator> {
  await page.goto(adminUrl(`/orders/${orderId}`))
  const card = page.getByRole("region", { name: "PSP payment ledger" })
  await card.waitFor({ timeout: 120_000 })
  return card
}

async function chooseQuantity(card: Locator, title: string, quantity: number): Promise<void> {
  await card.getByLabel(new RegExp(title)).fill(String(quantity))
}

describe("admin order page: the PSP payment ledger card", () => {
  let api: AdminApi
  let orderId: string

  beforeAll(async () => {
    api = await adminApi()
  })

  browserTest("a paid order: the card shows its amounts and lines; chosen lines are captured, then refunded; a refusal shows the server's reason", async (page) => {
    const outcome = await checkout(page, RESURS, "approve", { "Linen Shirt": 2 })
    expect(outcome.displayId).not.toBeNull()
    orderId = await api.orderIdOf(outcome.displayId!)

    await loginAdmin(page)
    const card = await openLedger(page, orderId)

    // the amounts and lines as authorized at checkout
    await expectText(amount(card, "Authorized"), ORDER_TOTAL, 60_000)
    await expectText(amount(card, "Captured"), "0.00 SEK")
    await expectText(amount(card, "Capturable"), ORDER_TOTAL)
    await expectLine(card, "Linen Shirt", ["2", "0", "0", "0"])
    await expectLine(card, "Wool Sweater", ["1", "0", "0", "0"])
    await expectLine(card, "Canvas Tote", ["1", "0", "0", "0"])

    // capture one Linen Shirt, shipping left out
    await card.getByRole("button", { name: "Capture lines" }).click()
    await chooseQuantity(card, "Linen Shirt", 1)
    await card.getByRole("combobox").click()
    await page.getByRole("option", { name: "Leave out" }).click()
    await card.getByRole("button", { name: "Capture", exact: true }).click()
    await page.getByText("Lines captured").first().waitFor()
    await expectText(amount(card, "Captured"), "649.00 SEK")
    await expectText(amount(card, "Capturable"), "1922.00 SEK")
    await expectLine(card, "Linen Shirt", ["2", "1", "0", "0"])
    // the operation's key, as src/lifecycle/keys.ts builds it: kind:source:Medusa id:instrument
    await card.getByText(new RegExp(`^capture:admin:${orderId}:admin-[0-9a-f]+:pinst_[0-9A-Z]+$`)).waitFor()

    // refund it
    await card.getByRole("button", { name: "Refund lines" }).click()
    await chooseQuantity(card, "Linen Shirt", 1)
    await card.getByRole("button", { name: "Refund", exact: true }).click()
    await page.getByText("Lines refunded").first().waitFor()
    await expectText(amount(card, "Refunded"), "649.00 SEK")
    await expectText(amount(card, "Refundable"), "0.00 SEK")
    await expectLine(card, "Linen Shirt", ["2", "1", "1", "0"])
    await card.getByText(new RegExp(`^refund:admin:${orderId}:admin-[0-9a-f]+:pinst_[0-9A-Z]+$`)).waitFor()

    // a refusal: the sweater is captured elsewhere (another admin) while this form still offers it
    await card.getByRole("button", { name: "Capture lines" }).click()
    await chooseQuantity(card, "Wool Sweater", 1)
    const { data: instruments } = await api.request("GET", `/admin/orders/${orderId}/payment-instruments`)
    const sweater = instruments.payment_instruments[0].lines.find((line: { description: string }) => line.description.includes("Wool Sweater"))
    const elsewhere = await api.request("POST", `/admin/orders/${orderId}/payment-instruments/capture`, { items: [{ id: sweater.order_item_id, quantity: 1 }], include_shipping: false }, { "Idempotency-Key": `browser-elsewhere-${Date.now()}` })
    expect(elsewhere.status).toBe(200)
    // what the server answers to that request now
    const refused = await api.request("POST", `/admin/orders/${orderId}/payment-instruments/capture`, { items: [{ id: sweater.order_item_id, quantity: 1 }] }, { "Idempotency-Key": `browser-refused-${Date.now()}` })
    expect(refused.status).toBeGreaterThanOrEqual(400)
    expect(refused.status).toBeLessThan(500)
    expect(refused.data.message).toBeTruthy()

    await card.getByRole("button", { name: "Capture", exact: true }).click()
    await card.getByText(refused.data.message, { exact: true }).waitFor()
    await expectText(amount(card, "Captured"), "1644.00 SEK") // 649 + 995: nothing more was captured
  })
})
