/**
 * The demo storefront's checkout with each PSP it offers, in a real browser: the shopper pays,
 * is declined, or is put on hold on the PSP's hosted page (the sandbox's), and the storefront
 * says what the store decided after asking the PSP.
 */
import { browserTest, useBrowser } from "./support/browser"
import { checkout, DEMO_PSPS } from "./support/shop"

useBrowser()

describe("demo storefront checkout", () => {
  for (const psp of DEMO_PSPS) {
    describe(psp.name, () => {
      browserTest(`${psp.name}: paying places the order, authorized`, async (page) => {
        const outcome = await checkout(page, psp, "approve")
        expect(outcome.displayId).not.toBeNull()
        expect(outcome.text).toContain(`${psp.name} approved your payment`)
      })

      browserTest(`${psp.name}: a declined payment places no order and says so`, async (page) => {
        const outcome = await checkout(page, psp, "decline")
        expect(outcome.displayId).toBeNull()
        expect(outcome.text).toContain("The payment did not go through.")
      })

      browserTest(`${psp.name}: a held payment places the order, waiting for the PSP`, async (page) => {
        const outcome = await checkout(page, psp, "hold")
        expect(outcome.displayId).not.toBeNull()
        expect(outcome.text).toContain(psp.heldIsAuthorized ? `${psp.name} approved your payment` : `${psp.name} is still confirming your payment`)
      })
    })
  }
})
