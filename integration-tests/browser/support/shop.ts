/** The shopper's side: the demo storefront, then the PSP's hosted page (the sandbox's), then back. */
import type { Page } from "playwright-core"
import { expectText } from "./browser"
import { harness } from "./harness"

/** The PSPs the demo storefront offers, as its "Pay with" list names them (demo/seed.ts regions). */
export const DEMO_PSPS = [
  { name: "Resurs Bank", option: "Resurs Bank (SEK)", currency: "SEK", declinedStaysOnPage: false, heldIsAuthorized: false },
  { name: "Nemuru", option: "Nemuru (EUR)", currency: "EUR", declinedStaysOnPage: false, heldIsAuthorized: false },
  // Digital River's Drop-in and CM.com's payment menu keep a declined shopper on the page to try again
  { name: "Digital River", option: "Digital River (EUR)", currency: "EUR", declinedStaysOnPage: true, heldIsAuthorized: false },
  // CM.com's hold is a payment authorized but not yet `considered_safe`: paid, the order waits to ship
  { name: "CM.com", option: "CM.com (EUR)", currency: "EUR", declinedStaysOnPage: true, heldIsAuthorized: true },
] as const

export type DemoPsp = (typeof DEMO_PSPS)[number]
/** The hosted page's buttons (their data-testid): pay, decline, put on hold. */
export type Decision = "approve" | "decline" | "hold"

export type CheckoutOutcome = { text: string; displayId: number | null }

/**
 * Checks out on the storefront with `psp`, with the given quantity per product title (others
 * keep the page's default of 1), decides on the hosted page and returns what the storefront says.
 */
export async function checkout(page: Page, psp: DemoPsp, decision: Decision, quantities: Record<string, number> = {}): Promise<CheckoutOutcome> {
  await page.goto(harness().storefrontUrl)
  await page.getByTestId("psp").selectOption({ label: psp.option })
  await page.getByRole("button", { name: `Pay with ${psp.name}` }).waitFor()
  // the products are shown in the chosen PSP's currency once its region's prices arrived (and no load is pending)
  await page.locator('#products[aria-busy="false"]').getByText(psp.currency).first().waitFor()
  for (const [title, quantity] of Object.entries(quantities)) {
    await page.getByLabel(`Quantity of ${title}`).fill(String(quantity))
  }
  await page.getByRole("button", { name: `Pay with ${psp.name}` }).click()

  // the PSP's hosted page (the sandbox): the order as the PSP holds it, and the decision buttons
  await page.getByTestId(decision).click()
  if (decision === "decline" && psp.declinedStaysOnPage) {
    // declined, the shopper gives up and goes back to the shop
    await expectText(page.getByTestId("status"), /declined|failed/)
    await page.getByTestId("abandon").click()
  }

  // back on the storefront, which completes the cart and asks the store for the outcome
  const result = page.getByRole("status").filter({ has: page.locator("h2") })
  await result.waitFor({ timeout: 60_000 })
  const text = (await result.innerText()).trim()
  const displayId = /Order #(\d+)/.exec(text)?.[1]
  return { text, displayId: displayId ? Number(displayId) : null }
}

export { expectText }
