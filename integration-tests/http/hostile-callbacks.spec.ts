/**
 * Callbacks as an attacker sends them (issue "Hard edges"): random bodies, headers, query strings
 * and path segments through real HTTP; a flood of forged callbacks for one real payment; a held
 * row lock. Never a 5xx, never a stored row for an invalid callback, every audit line one bounded
 * line, PSP reads capped, and the real callback still applied.
 */
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import fc from "fast-check"
import { eventually, usePspSandbox } from "./support/psp-sandbox"
import { resursStore } from "./support/resurs-store"

jest.setTimeout(300 * 1000)

const psp = usePspSandbox()
const CALLBACK_PATH = "/hooks/psp/resurs_resurs"

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    let t: Awaited<ReturnType<typeof resursStore>>

    beforeEach(async () => {
      t = await resursStore(api, getContainer(), psp)
    })

    const inboxSize = async () => (await t.ledger.listPaymentCallbacks({}, { select: ["id"] })).length

    it("fuzz: random bodies, headers, queries and paths never get a 5xx, never store a row, and log one bounded line each", async () => {
      const logger = getContainer().resolve(ContainerRegistrationKeys.LOGGER)
      const lines: string[] = []
      const spies = (["warn", "error", "info"] as const).map((level) =>
        jest.spyOn(logger, level).mockImplementation(((message: unknown) => {
          lines.push(String(message))
        }) as never)
      )
      const before = await inboxSize()
      const nasty = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.constantFrom("\u0000", "a\nINFO forged line", "\u001b[31mred", "%00", "../../etc/passwd", "x".repeat(90_000), "00000000-0000-0000-0000-000000000000")
      )
      const body = fc.oneof(
        nasty,
        fc.record({ paymentId: nasty, status: fc.oneof(nasty, fc.constantFrom("AUTHORIZED", "FROZEN", "REJECTED")) }),
        fc.record({ paymentId: nasty, action: fc.constantFrom("CAPTURE", "REFUND", "CANCEL"), actionId: nasty }),
        fc.jsonValue({ maxDepth: 3 })
      )
      const segment = fc.oneof(fc.constant("resurs_resurs"), fc.constantFrom("resurs_x", "resurs_resurs%00", "resurs_", "nemuru_a", "..%2f..", "resurs_resurs%0aINFO"), fc.string({ maxLength: 20 }))
      await fc.assert(
        fc.asyncProperty(
          segment,
          body,
          fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "application/xml", ""),
          fc.constantFrom("GET", "POST"),
          fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), nasty, { maxKeys: 3 }),
          async (path, payload, contentType, method, query) => {
            const response = await api.request({
              method,
              url: `/hooks/psp/${path.startsWith("resurs") || path.startsWith("nemuru") || path.startsWith("..") ? path : encodeURIComponent(path)}`,
              params: query,
              data: typeof payload === "string" ? payload : JSON.stringify(payload),
              headers: contentType ? { "content-type": contentType } : {},
              transformRequest: (data: unknown) => data,
              validateStatus: () => true,
            })
            expect(response.status).toBeLessThan(500)
          }
        ),
        { numRuns: 120 }
      )
      spies.forEach((spy) => spy.mockRestore())
      expect(await inboxSize()).toBe(before)
      for (const line of lines.filter((entry) => entry.startsWith("psp callback"))) {
        expect(line).not.toMatch(/[\n\r\u0000\u001b]/)
        expect(line.length).toBeLessThan(600)
      }
    })

    it("1,000 forged callbacks for one real payment: PSP reads stay at one per second at most, and the real callback in the middle is applied", async () => {
      const checkout = await t.checkoutAtResurs()
      const reads = async () => ((await t.control.get("/_sandbox/requests?psp=resurs&endpoint=get-payment&limit=100000")).data as unknown[]).length
      const readsBefore = await reads()
      const forged = (index: number) =>
        api.post(CALLBACK_PATH, { paymentId: checkout.pspReference, action: "CAPTURE", actionId: `forged-${index}` }, { validateStatus: () => true })

      const started = Date.now()
      let sent = 0
      const statuses: number[] = []
      const worker = async () => {
        while (sent < 1000) {
          const index = sent++
          if (index === 500) {
            // the shopper approves mid-flood: Resurs sends the real AUTHORIZATION callback
            await t.decide(checkout.pspReference, "approve")
          }
          statuses.push((await forged(index)).status)
        }
      }
      await Promise.all(Array.from({ length: 20 }, worker))
      expect(statuses.every((status) => status === 202)).toBe(true)

      const [{ order_id }] = await eventually(async () => {
        const orders = await t.ordersOfCart(checkout.cartId)
        return orders.length ? orders : undefined
      }, 60_000, "the order from the real callback")
      expect(order_id).toBeTruthy()
      await t.callbacksIdle()
      // every sync the flood asked for has run
      await eventually(async () => ((await t.ledger.listPaymentSyncRequests({}, { select: ["id"] })).length === 0 ? true : undefined), 60_000, "the flood's syncs done")
      const seconds = (Date.now() - started) / 1000
      const spent = (await reads()) - readsBefore
      // one read per payment per second of flood, plus the handful cart completion and the order make
      expect(spent).toBeLessThanOrEqual(Math.ceil(seconds) + 6)
      expect(await t.ordersOfCart(checkout.cartId)).toHaveLength(1)
    })

    it("the acknowledgement does not wait for a business lock held on the payment", async () => {
      const checkout = await t.checkoutAtResurs()
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      const pg = getContainer().resolve(ContainerRegistrationKeys.PG_CONNECTION)
      const trx = await pg.transaction()
      // the lock the ledger takes while it moves money on this payment
      await trx.raw("select id from payment_instrument where id = ? for no key update", [instrument!.id])
      try {
        // a request that waited on the lock would end with the ledger's 5 s lock timeout, or never
        const answer = await api.post(CALLBACK_PATH, { paymentId: checkout.pspReference, status: "AUTHORIZED" }, { validateStatus: () => true, timeout: 4_000 })
        // answered while the lock is still held: the acknowledgement path takes no lock of the payment's
        expect(answer.status).toBe(202)
        expect(trx.isCompleted()).toBe(false)
      } finally {
        await trx.rollback()
      }
    })
  },
})
