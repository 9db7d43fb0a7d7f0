/**
 * Exactly once under the races and faults testing found (issue "Exactly once, for every kind of
 * PSP"): real Medusa, real PostgreSQL, the Resurs sandbox over HTTP. Races are made with the
 * sandbox's latency faults and by waiting for the state that makes them (an operation in flight),
 * never with sleeps tuned to one machine.
 */
import { createCartCreditLinesWorkflow, updateRegionsWorkflow } from "@medusajs/medusa/core-flows"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import type { PaymentOperationRecord } from "../../src/modules/payment-ledger"
import { reconcilePaymentsWorkflow } from "../../src/workflows/reconcile-payments"
import { eventually, usePspSandbox } from "./support/psp-sandbox"
import { resursStore, type SandboxPayment } from "./support/resurs-store"

jest.setTimeout(180 * 1000)

const psp = usePspSandbox()
const CALLBACK_PATH = "/hooks/psp/resurs_resurs"
const TOTE = "CANVAS-TOTE"
const SHIRT = "LINEN-SHIRT"
const SWEATER = "WOOL-SWEATER"

const captured = (payment: SandboxPayment) => Number(payment.totals.captured)
const refunded = (payment: SandboxPayment) => Number(payment.totals.refunded)
const actionsOf = (payment: SandboxPayment, type: string) => payment.actions.filter((action) => action.type === type)

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    let t: Awaited<ReturnType<typeof resursStore>>

    beforeEach(async () => {
      t = await resursStore(api, getContainer(), psp)
    })

    const reconcile = async () => (await reconcilePaymentsWorkflow(getContainer()).run({ input: { olderThanSeconds: 0 } })).result

    const operationsOf = async (sessionId: string): Promise<PaymentOperationRecord[]> => {
      const instrument = await t.ledger.findInstrumentBySession(sessionId)
      return (await t.ledger.getInstrumentWithHistory(instrument!.id)).operations
    }

    /** Every money operation of the session settled, the sandbox, the ledger and Medusa agreeing on `amount` captured. */
    const settledEverywhere = async (pspReference: string, sessionId: string, amounts: { captured: number; refunded?: number }) => {
      await eventually(async () => {
        const open = (await operationsOf(sessionId)).filter((operation) => ["requested", "unknown", "accepted"].includes(operation.status))
        return open.length === 0 ? true : undefined
      }, 30_000, "every operation settled")
      const atPsp = await eventually(async () => {
        const payment = await t.sandboxPayment(pspReference)
        if (captured(payment) !== amounts.captured || refunded(payment) !== (amounts.refunded ?? 0)) {
          const operations = (await operationsOf(sessionId)).map((operation) => `${operation.idempotency_key}=${operation.status}:${operation.amount}`)
          throw new Error(`Resurs shows ${payment.totals.captured} captured, ${payment.totals.refunded} refunded; operations ${operations.join(", ")}`)
        }
        return payment
      }, 30_000, `${amounts.captured} captured and ${amounts.refunded ?? 0} refunded at Resurs`)
      await eventually(
        async () => {
          const medusa = await t.medusaTotals(sessionId)
          return medusa.captured === amounts.captured && medusa.refunded === (amounts.refunded ?? 0) ? true : undefined
        },
        30_000,
        `${amounts.captured} captured in Medusa`
      )
      const instrument = await t.ledger.findInstrumentBySession(sessionId)
      expect(Number(instrument!.captured_amount) / 100).toBe(amounts.captured)
      return atPsp
    }

    /** What the merchant does in Resurs's own portal: the API, with no key of ours. */
    const backOffice = async (pspReference: string, action: "capture" | "refund", body: Record<string, unknown> = {}) => {
      const token = await t.control.post(
        "/resurs/oauth2/token",
        new URLSearchParams({ client_id: "sandbox-resurs-client", client_secret: "sandbox-resurs-secret", scope: "merchant-api", grant_type: "client_credentials" }).toString(),
        { headers: { "content-type": "application/x-www-form-urlencoded" } }
      )
      return t.control.post(`/resurs/v2/payments/${pspReference}/${action}`, { ...body, creator: "back office" }, { headers: { authorization: `Bearer ${token.data.access_token}` } })
    }

    const operationInFlight = (sessionId: string, kind: string) =>
      eventually(async () => (await operationsOf(sessionId)).find((operation) => operation.kind === kind && operation.status === "requested"), 20_000, `a ${kind} in flight`)

    it("a management callback that arrives while another capture is in flight never sends that capture again", async () => {
      const { checkout, order } = await t.placedOrder()
      // the test delivers the callback itself, at the moment that makes the race
      await t.control.post("/_sandbox/callback-faults", { psp: "resurs", effect: "drop" })
      await t.control.post("/_sandbox/faults", { psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/capture", latencyMs: 4000 })

      expect((await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])).status).toBe(200)
      const first = await eventually(async () => (await operationsOf(checkout.sessionId)).find((operation) => operation.kind === "capture" && operation.status === "succeeded"), 30_000, "the first capture")
      // one of three sweaters: a second send of this capture would find units left to take
      expect((await t.fulfill(order.id, [{ id: t.itemBySku(order, SWEATER).id, quantity: 1 }])).status).toBe(200)
      await operationInFlight(checkout.sessionId, "capture")

      // Resurs's MANAGEMENT callback for the first capture, while the second is at the PSP
      const [action] = actionsOf(await t.sandboxPayment(checkout.pspReference), "CAPTURE")
      expect(action.transactionId).toBeTruthy()
      const answer = await api.post(CALLBACK_PATH, { paymentId: checkout.pspReference, action: "CAPTURE", actionId: action.actionId }, { validateStatus: () => true })
      expect(answer.status).toBe(202)
      await eventually(async () => {
        const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
        const { callbacks } = await t.ledger.getInstrumentWithHistory(instrument!.id)
        return callbacks.find((callback) => callback.dedup_key === `management:${action.actionId}`)?.processed_at ? true : undefined
      }, 30_000, "the callback processed")

      await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 649 + 59 + 995 })
      // nothing else arrives later: the sandbox's final word, once every call has landed
      await t.control.delete("/_sandbox/faults")
      await reconcile()
      const atPsp = await t.sandboxPayment(checkout.pspReference)
      expect(captured(atPsp)).toBe(649 + 59 + 995)
      expect(actionsOf(atPsp, "CAPTURE")).toHaveLength(2)
      expect(new Set(actionsOf(atPsp, "CAPTURE").map((entry) => entry.transactionId)).size).toBe(2)
      expect(first.attempts).toBe(1)
      expect((await t.ledger.findInstrumentBySession(checkout.sessionId))!.reconcile_issue).toBeNull()
    })

    it("the same Idempotency-Key while the first admin capture is in flight gets 409, then the first result; one capture at the PSP", async () => {
      const { checkout, order } = await t.placedOrder()
      await t.control.post("/_sandbox/faults", { psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/capture", latencyMs: 3000 })
      const headers = { "idempotency-key": "admin-capture-sweaters" }
      const capture = () =>
        t.admin.post(`/admin/orders/${order.id}/payment-instruments/capture`, { items: [{ id: t.itemBySku(order, SWEATER).id, quantity: 2 }], include_shipping: false }, { headers })

      const firstRequest = capture()
      await operationInFlight(checkout.sessionId, "capture")
      const repeats = await Promise.all(Array.from({ length: 4 }, () => capture()))
      expect(repeats.map((response) => response.status)).toEqual([409, 409, 409, 409])
      expect(repeats[0].data.message).toMatch(/in progress at the PSP.*send the same request again/)
      const first = await firstRequest
      expect(first.status).toBe(200)
      const replay = await capture()
      expect(replay.status).toBe(200)
      expect(replay.headers["idempotent-replayed"]).toBe("true")
      expect(replay.data.operations).toEqual(first.data.operations.map((operation: object) => ({ ...operation, replayed: true })))
      expect(first.headers["idempotent-replayed"]).toBeUndefined()

      const atPsp = await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 1990 })
      expect(actionsOf(atPsp, "CAPTURE")).toHaveLength(1)
    })

    it("two admin captures whose keys share their first 50 characters are two captures at Resurs, never one", async () => {
      const { checkout, order } = await t.placedOrder()
      const capture = (sku: string, requestKey: string) =>
        t.admin.post(`/admin/orders/${order.id}/payment-instruments/capture`, { items: [t.itemBySku(order, sku)], include_shipping: false }, { headers: { "idempotency-key": requestKey } })
      const [a, b] = [await capture(SHIRT, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1"), await capture(TOTE, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-2")]
      expect([a.status, b.status]).toEqual([200, 200])
      const [keyA, keyB] = [a.data.operations[0].key as string, b.data.operations[0].key as string]
      expect(keyA.slice(0, 50)).toBe(keyB.slice(0, 50))

      const atPsp = await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 649 + 438 })
      const transactionIds = actionsOf(atPsp, "CAPTURE").map((entry) => entry.transactionId!)
      expect(transactionIds).toHaveLength(2)
      expect(new Set(transactionIds).size).toBe(2)
      expect(transactionIds.every((id) => id.length <= 50)).toBe(true)
    })

    it("an AUTHORIZED callback sent before the shopper approved does not burn the real one: the shopper never returns and still gets one order", async () => {
      const checkout = await t.checkoutAtResurs()
      const early = await api.post(CALLBACK_PATH, { paymentId: checkout.pspReference, status: "AUTHORIZED" }, { validateStatus: () => true })
      expect(early.status).toBe(202)
      await eventually(async () => {
        const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
        const { callbacks } = await t.ledger.getInstrumentWithHistory(instrument!.id)
        return callbacks[0]?.processed_at ? callbacks[0] : undefined
      }, 20_000, "the early callback processed")
      expect(await t.ordersOfCart(checkout.cartId)).toEqual([])

      // the real approval: Resurs sends the same AUTHORIZED callback, a duplicate of the early one
      await t.decide(checkout.pspReference, "approve")
      const orders = await eventually(async () => {
        const found = await t.ordersOfCart(checkout.cartId)
        return found.length ? found : undefined
      }, 30_000, "an order from the real callback")
      await t.callbacksIdle()
      expect(await t.ordersOfCart(checkout.cartId)).toEqual(orders)
      expect(orders).toHaveLength(1)
    })

    it("every authorization callback dropped and the shopper never returns: the reconcile job polls the payment and places one order", async () => {
      await t.control.post("/_sandbox/callback-faults", { psp: "resurs", effect: "drop" })
      const checkout = await t.checkoutAtResurs()
      // still on the hosted page: the job reads it and waits
      await reconcile()
      expect(await t.ordersOfCart(checkout.cartId)).toEqual([])

      await t.decide(checkout.pspReference, "approve")
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      // polled again once its interval (a tenth of its age, at least the reconcile delay) has passed
      await t.ledger.updatePaymentInstruments({ id: instrument!.id, last_synced_at: new Date(Date.now() - 3600_000) } as never)
      await reconcile()
      const orders = await t.ordersOfCart(checkout.cartId)
      expect(orders).toHaveLength(1)
      await reconcile()
      expect(await t.ordersOfCart(checkout.cartId)).toEqual(orders)
      expect(await t.paymentsOf(checkout.sessionId)).toHaveLength(1)
    })

    it("one 429 on a capture is retried under the same key; a longer storm leaves it unknown until the reconcile job captures it once", async () => {
      const { checkout, order } = await t.placedOrder()
      const rateLimit = (times: number) =>
        t.control.post("/_sandbox/faults", { psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/capture", effect: "error", status: 429, retryAfterSeconds: 0, times })

      await rateLimit(1)
      expect((await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])).status).toBe(200)
      await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 708 })

      await rateLimit(50)
      expect((await t.fulfill(order.id, [t.itemBySku(order, TOTE)])).status).toBe(200)
      const limited = await eventually(
        async () => (await operationsOf(checkout.sessionId)).find((operation) => operation.kind === "capture" && operation.status === "unknown"),
        30_000,
        "the rate-limited capture unknown"
      )
      expect(limited.error).toMatchObject({ code: "rate_limited" })
      await t.control.delete("/_sandbox/faults")
      await reconcile()
      const atPsp = await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 708 + 438 })
      expect(actionsOf(atPsp, "CAPTURE")).toHaveLength(2)
    })

    it("a return received in two parts refunds each part once", async () => {
      const { checkout, order } = await t.placedOrder()
      const sweater = t.itemBySku(order, SWEATER)
      expect((await t.fulfill(order.id, [sweater])).status).toBe(200)
      await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 2985 + 59 })

      const returnId = await t.receiveReturn(order.id, [{ id: sweater.id, quantity: 3 }], [1, 2])
      expect(returnId).toBeTruthy()
      const atPsp = await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 2985 + 59, refunded: 2985 })
      expect(actionsOf(atPsp, "REFUND")).toHaveLength(2)
    })

    it("a capture whose recording in Medusa a crash cut short (Capture row, no collection totals, no order transaction) is completed by the reconcile job", async () => {
      const { checkout, order } = await t.placedOrder()
      expect((await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])).status).toBe(200)
      await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 708 })
      const [payment] = await t.paymentsOf(checkout.sessionId)
      const [capture] = payment.captures!
      const pg = getContainer().resolve(ContainerRegistrationKeys.PG_CONNECTION)
      const transactionsOf = async (referenceId: string) => (await pg.raw(`select id from order_transaction where reference_id = ?`, [referenceId])).rows as unknown[]
      // Medusa's capture workflow adds the order transaction last: damage the record only once it is whole
      await eventually(async () => ((await transactionsOf(capture.id)).length === 1 ? true : undefined), 30_000, "Medusa's order transaction for the capture")
      // what kill -9 between Medusa's capture steps leaves behind
      await pg.raw(`update payment_collection set captured_amount = 0, raw_captured_amount = '{"value":"0","precision":20}', status = 'authorized' where id = ?`, [payment.payment_collection_id])
      await pg.raw(`delete from order_transaction where reference_id = ?`, [capture.id])
      // and the job has not looked at it yet (the app's own scheduled run may do the repair below first)
      await pg.raw(`update payment_operation set medusa_verified_at = null where medusa_record_id = ?`, [capture.id])
      const paymentStatus = async () => (await t.admin.get(`/admin/orders/${order.id}`)).data.order.payment_status

      // two runs at once, as the schedule and a manual run (or two processes) may be: one repair
      await Promise.all([reconcile(), reconcile()])
      expect(await paymentStatus()).toBe("partially_captured")
      const { data } = await getContainer().resolve(ContainerRegistrationKeys.QUERY).graph({
        entity: "order_transaction",
        fields: ["amount", "reference"],
        filters: { reference_id: capture.id },
      })
      expect(data.map((row: { amount: unknown; reference: string }) => [Number(row.amount), row.reference])).toEqual([[708, "capture"]])
      // checked once: the next run does nothing more
      await reconcile()
      expect(actionsOf(await t.sandboxPayment(checkout.pspReference), "CAPTURE")).toHaveLength(1)
    })

    it("a payment whose creation answer was lost is found at Resurs and kept, never left without its reference", async () => {
      await t.control.post("/_sandbox/faults", { psp: "resurs", endpoint: "create-payment", effect: "drop-response", times: 1 })
      const checkout = await t.checkoutAtResurs()
      const { data: created } = await t.control.get("/_sandbox/resurs/payments")
      expect((created as { id: string }[]).map((payment) => payment.id)).toEqual([checkout.pspReference])
      const instrument = await t.ledger.findInstrumentBySession(checkout.sessionId)
      expect(instrument!.psp_reference).toBe(checkout.pspReference)
      expect(checkout.redirectUrl).toMatch(new RegExp(`/resurs/hosted/payments/${checkout.pspReference}$`))

      // a 503 that Resurs never applied: the search proves it absent, and it is made once
      await t.control.post("/_sandbox/faults", { psp: "resurs", endpoint: "create-payment", effect: "error", status: 503, times: 1 })
      const second = await t.checkoutAtResurs()
      const { data: all } = await t.control.get("/_sandbox/resurs/payments")
      expect((all as { id: string }[]).map((payment) => payment.id).sort()).toEqual([checkout.pspReference, second.pspReference].sort())
    })

    it("a refund made in Resurs's back office is adopted under Resurs's id and recorded in Medusa once", async () => {
      const { checkout, order } = await t.placedOrder()
      expect((await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])).status).toBe(200)
      await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 708 })

      // the merchant refunds the shirt in Resurs's own portal: no key of ours on it
      const refund = await backOffice(checkout.pspReference, "refund", {
        orderLines: [{ description: "Linen Shirt", reference: SHIRT, quantity: 1, quantityUnit: "st", vatRate: 25, totalAmountIncludingVat: 649, type: "NORMAL" }],
      })
      expect(refund.status).toBe(200)

      const atPsp = await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 708, refunded: 649 })
      const [action] = actionsOf(atPsp, "REFUND")
      // recorded in Medusa: the Refund row first, then the operation claims it
      const adopted = await eventually(async () => {
        const refunds = (await operationsOf(checkout.sessionId)).filter((operation) => operation.kind === "refund")
        return refunds.length === 1 && refunds[0].medusa_record_id?.startsWith("ref") ? refunds : undefined
      }, 20_000, "the adopted refund recorded")
      expect(adopted[0]).toMatchObject({ status: "succeeded", psp_operation_ids: [action.actionId], origin: `psp:${action.actionId}` })
      expect(adopted[0].medusa_record_id).toMatch(/^ref/)
      await reconcile()
      expect(await t.medusaTotals(checkout.sessionId)).toEqual({ captured: 708, refunded: 649 })
    })

    it("a payment the PSP captured before the order was placed is adopted: Medusa records it once and it can be refunded", async () => {
      const checkout = await t.checkoutAtResurs()
      await t.decide(checkout.pspReference, "approve")
      expect((await backOffice(checkout.pspReference, "capture")).status).toBe(200)
      await t.callbacksIdle()
      const completed = await t.shop.complete(checkout.cartId)
      expect(completed.data.type).toBe("order")
      await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 4131 })

      const [payment] = await t.paymentsOf(checkout.sessionId)
      const refund = await t.admin.post(`/admin/payments/${payment.id}/refund`, { amount: 649 + 59 })
      expect(refund.status).toBe(200)
      const atPsp = await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 4131, refunded: 708 })
      expect(actionsOf(atPsp, "CAPTURE")).toHaveLength(1)
      expect(actionsOf(atPsp, "REFUND")).toHaveLength(1)
      expect((await t.ledger.findInstrumentBySession(checkout.sessionId))!.reconcile_issue).toBeNull()
    })

    it("an admin capture through Medusa's own route whose answer is lost gets 202 with the pending operation, not a 500; the reconcile job records it once", async () => {
      const { checkout } = await t.placedOrder()
      const [payment] = await t.paymentsOf(checkout.sessionId)
      await t.control.post("/_sandbox/faults", { psp: "resurs", method: "POST", path: "/resurs/v2/payments/*/capture", effect: "drop-response", times: 1 })
      const answer = await t.admin.post(`/admin/payments/${payment.id}/capture`, { amount: 708 })
      expect(answer.status).toBe(202)
      expect(answer.data.pending_operation).toMatchObject({ kind: "capture", status: "unknown" })
      expect(answer.data.message).toMatch(/unknown.*settled from the PSP's own record/)
      expect((await t.medusaTotals(checkout.sessionId)).captured).toBe(0)

      await reconcile()
      const atPsp = await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 708 })
      expect(actionsOf(atPsp, "CAPTURE")).toHaveLength(1)
    })

    it("a PSP that refuses the shop's credentials shows the shopper what to do, not a 500", async () => {
      await t.control.post("/_sandbox/faults", { psp: "resurs", endpoint: "token", effect: "error", status: 401 })
      const cart = await t.shop.cart()
      const collection = await t.shop.call("post", "/store/payment-collections", { cart_id: cart.id })
      const session = await t.shop.call("post", `/store/payment-collections/${collection.data.payment_collection.id}/payment-sessions`, { provider_id: "pp_resurs_resurs" })
      expect(session.status).toBe(400)
      expect(session.data.message).toBe("Payment with Resurs Bank is unavailable right now. Choose another payment method, or try again later.")
      await t.control.delete("/_sandbox/faults")
    })

    it("an order paid in part with store credit is captured shipment by shipment, never beyond the authorization, and in full", async () => {
      const cart = await t.shop.cart()
      await createCartCreditLinesWorkflow(getContainer()).run({
        input: [{ cart_id: cart.id, amount: 1000, reference: "store-credit", reference_id: "sc_test", metadata: null }],
      })
      const checkout = await t.shop.pay(cart.id)
      expect(checkout.total).toBe(4131 - 1000)
      const lines = (await t.sandboxPayment(checkout.pspReference)).lines
      expect(lines.find((line) => line.reference === "adjustment")?.ordered.amount).toBe("-1000.00")
      await t.decide(checkout.pspReference, "approve")
      const completed = await t.shop.complete(cart.id)
      expect(completed.data.type).toBe("order")
      const order = await eventually(async () => {
        const candidate = await t.orderOf(completed.data.order.id)
        return candidate?.payment_instruments?.length && candidate.metadata?.psp_payment?.state === "processing" ? candidate : undefined
      }, 20_000, "the order synced")

      expect((await t.fulfill(order.id, [t.itemBySku(order, TOTE)])).status).toBe(200)
      await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 438 + 59 })
      expect((await t.fulfill(order.id, [t.itemBySku(order, SHIRT)])).status).toBe(200)
      await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 438 + 59 + 649 })
      // the last shipment takes the credit: 2985 - 1000
      expect((await t.fulfill(order.id, [t.itemBySku(order, SWEATER)])).status).toBe(200)
      const atPsp = await settledEverywhere(checkout.pspReference, checkout.sessionId, { captured: 3131 })
      expect(actionsOf(atPsp, "CAPTURE")).toHaveLength(3)
      expect(atPsp.totals.authorized).toBe("0.00")
    })

    it("a cart in a currency the Resurs store does not take is refused when the session is created, saying why", async () => {
      // a shop owner enables the Swedish Resurs store on the EUR region by mistake
      await updateRegionsWorkflow(getContainer()).run({
        input: { selector: { id: t.store.regions.eur }, update: { payment_providers: ["pp_system_default", "pp_resurs_resurs"] } },
      })
      const cart = await t.shop.cart([1, 1, 1], "eur")
      const collection = await t.shop.call("post", "/store/payment-collections", { cart_id: cart.id })
      const session = await t.shop.call("post", `/store/payment-collections/${collection.data.payment_collection.id}/payment-sessions`, { provider_id: "pp_resurs_resurs" })
      expect(session.status).toBe(400)
      expect(session.data.message).toMatch(/Resurs Bank takes payments in SEK only; this cart is in EUR/)
      expect(((await t.control.get("/_sandbox/requests?psp=resurs&endpoint=create-payment")).data as unknown[]).length).toBe(0)
    })
  },
})
