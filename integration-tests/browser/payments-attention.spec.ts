/**
 * The "Payments attention" admin page in a real browser: reached from the sidebar, it lists an
 * order the PSP holds (and why), a capture whose answer was lost (its key, what happens next) and
 * forged callbacks rejected in the last day; each row links to its order.
 */
import { adminApi, loginAdmin, type AdminApi } from "./support/admin"
import { browserTest, expectText, useBrowser } from "./support/browser"
import { harness } from "./support/harness"
import { checkout, DEMO_PSPS } from "./support/shop"

useBrowser()

const RESURS = DEMO_PSPS.find((psp) => psp.name === "Resurs Bank")!
const FORGED_CALLBACKS = 3

async function sandboxFault(fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${harness().sandboxUrl}/_sandbox/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  })
  if (!response.ok) throw new Error(`sandbox fault: ${response.status} ${await response.text()}`)
}

describe("admin: Payments attention page", () => {
  let api: AdminApi

  beforeAll(async () => {
    api = await adminApi()
  })

  browserTest("lists the order on hold, the capture with an unknown outcome and the rejected callbacks; a row leads to its order", async (page) => {
    const held = await checkout(page, RESURS, "hold")
    const heldOrderId = await api.orderIdOf(held.displayId!)
    const paid = await checkout(page, RESURS, "approve")
    const paidOrderId = await api.orderIdOf(paid.displayId!)

    // forged Digital River events: a signature that proves nothing
    for (let i = 0; i < FORGED_CALLBACKS; i++) {
      const forged = await fetch(`${harness().backendUrl}/hooks/psp/digitalriver_digitalriver`, {
        method: "POST",
        headers: { "content-type": "application/json", "digitalriver-signature": "t=1700000000,v0=Zm9yZ2Vk" },
        body: JSON.stringify({ id: `evt_forged_${i}`, type: "order.accepted", data: { object: { id: "forged" } } }),
      })
      expect(forged.status).toBe(401)
    }

    await loginAdmin(page)
    await page.getByRole("link", { name: "Payments attention" }).click()
    await page.getByRole("heading", { name: "Payments attention", level: 1 }).waitFor({ timeout: 120_000 })

    // the held order, and why
    const onHold = page.getByRole("region", { name: "Orders on hold" })
    const heldRow = onHold.getByRole("row").filter({ has: page.getByRole("link", { name: `#${held.displayId}`, exact: true }) })
    await expectText(heldRow, /PSP on hold[\s\S]*PSP status: FROZEN[\s\S]*Wait for the PSP's decision/, 60_000)

    // a capture whose answer is lost (the PSP answers 503 once): unknown until the PSP's record settles it
    const { data: instruments } = await api.request("GET", `/admin/orders/${paidOrderId}/payment-instruments`)
    const shirt = instruments.payment_instruments[0].lines.find((line: { description: string }) => line.description.includes("Linen Shirt"))
    await sandboxFault({ psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/capture", effect: "error", status: 503, times: 1 })
    const capture = await api.request("POST", `/admin/orders/${paidOrderId}/payment-instruments/capture`, { items: [{ id: shirt.order_item_id, quantity: 1 }], include_shipping: false }, { "Idempotency-Key": `browser-unknown-${Date.now()}` })
    expect(capture.status).toBe(202)

    await page.reload()
    const operations = page.getByRole("region", { name: "Operations with an unknown outcome or lapsed" })
    const unknownRow = operations.getByRole("row").filter({ has: page.getByRole("link", { name: `#${paid.displayId}`, exact: true }) })
    await expectText(unknownRow, new RegExp(`Capture 649\\.00 SEK[\\s\\S]*Answer lost[\\s\\S]*capture:admin:${paidOrderId}:browser-unknown-\\d+:pinst_[0-9A-Z]+[\\s\\S]*reconcile job settles it`), 60_000)

    // the rejected callbacks, counted
    const rejected = page.getByRole("region", { name: "Callbacks rejected in the last day" })
    const rejectedRow = rejected.getByRole("row").filter({ hasText: "signature or credentials wrong" })
    await expectText(rejectedRow.getByRole("cell").nth(2), String(FORGED_CALLBACKS), 60_000)
    await expectText(rejectedRow.getByRole("cell").first(), /^digitalriver$/i)

    // each row leads to its order
    await heldRow.getByRole("link", { name: `#${held.displayId}`, exact: true }).click()
    await page.waitForURL(new RegExp(`/app/orders/${heldOrderId}$`))
    const card = page.getByRole("region", { name: "PSP payment ledger" })
    await expectText(card.getByText(/^On hold/).first(), /^On hold · FROZEN$/, 60_000)
  })
})
