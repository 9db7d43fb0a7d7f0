/**
 * The pieces of a Nemuru test: the demo store seeded (Nemuru on the EUR region), a shopper, an
 * admin, the sandbox's view of an order and of the requests it received, and Medusa's view.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import type { AxiosInstance } from "axios"
import { notificationAuthorization } from "../../../src/connectors/nemuru/callbacks"
import { PAYMENT_PAYLOAD_KEY } from "../../../src/connectors/nemuru/mapping"
import { eventually, type PspSandboxHandle } from "./psp-sandbox"
import { resursStore } from "./resurs-store"
import type { Checkout } from "./storefront"

export const NEMURU_PROVIDER_ID = "pp_nemuru_nemuru"
/** medusa-config's demo/test secret (NEMURU_NOTIFICATION_SECRET unset) */
export const NEMURU_TEST_SECRET = "demo-only-nemuru-notification-secret-0123456789"

type Units = { units: number; amount: string }
export type SandboxNemuruOrder = {
  id: string
  status: string
  totals: { total: string; authorized: string; captured: string; refunded: string; canceled: string; pendingCapture: string; pendingRefund: string }
  lines: { id: string; name: string; ordered: Units; captured: Units; refunded: Units; pendingCapture: Units; pendingRefund: Units }[]
  operations: { id: string; type: "capture" | "refund"; status: "pending" | "confirmed" | "rejected"; amount: string }[]
}

export async function nemuruStore(api: AxiosInstance, container: MedusaContainer, psp: PspSandboxHandle) {
  const base = await resursStore(api, container, psp)
  const { control, admin, shop, store, ledger } = base

  const helpers = {
    ...base,

    async decide(orderId: string, decision: "approve" | "decline" | "hold" | "abandon"): Promise<void> {
      const response = await control.post(`/_sandbox/nemuru/orders/${orderId}/decision`, { decision })
      if (response.status !== 200) throw new Error(`decision ${decision}: ${response.status} ${JSON.stringify(response.data)}`)
    },

    async sandboxControl(path: string, body: unknown = {}): Promise<void> {
      const response = await control.post(path, body)
      if (response.status !== 200 && response.status !== 201) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.data)}`)
    },

    /** The lender's next answers to captures and refunds (and how long it takes). */
    lender(outcome: "confirm" | "reject", options: { delayMs?: number; times?: number } = {}) {
      return helpers.sandboxControl("/_sandbox/nemuru/lender", { outcome, ...options })
    },

    async sandboxOrder(orderId: string): Promise<SandboxNemuruOrder> {
      return (await control.get(`/_sandbox/nemuru/orders/${orderId}`)).data
    },

    /** The bodies of the capture (or refund) requests Nemuru received, oldest first. */
    async operationRequests(endpoint: "capture" | "refund" | "cancel"): Promise<{ status?: number; body: { items?: { id: string; units?: number }[]; transactional?: boolean } }[]> {
      return (await control.get(`/_sandbox/requests?psp=nemuru&endpoint=${endpoint}`)).data
    },

    /** Nemuru's item ids by our line reference (the SKU, `shipping`), as the instrument keeps them. */
    async itemIds(sessionId: string): Promise<Record<string, string>> {
      return eventually(async () => {
        const instrument = await ledger.findInstrumentBySession(sessionId)
        return (instrument?.metadata?.psp_line_ids as Record<string, string> | undefined) ?? undefined
      }, 15_000, "Nemuru item ids on the instrument")
    },

    /** The admin's view of the order's payment instruments (operations with their states and errors). */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async adminInstruments(orderId: string): Promise<any[]> {
      const response = await admin.get(`/admin/orders/${orderId}/payment-instruments`)
      if (response.status !== 200) throw new Error(`payment-instruments: ${response.status} ${JSON.stringify(response.data)}`)
      return response.data.payment_instruments
    },

    /** 3 lines in EUR at Nemuru's hosted page: 2 × Canvas Tote, 1 × Linen Shirt, 3 × Wool Sweater, plus shipping. */
    async checkoutAtNemuru(quantities: number[] = [2, 1, 3]): Promise<Checkout> {
      const cart = await shop.cart(quantities, "eur")
      return shop.pay(cart.id, NEMURU_PROVIDER_ID)
    },

    /** An approved (and confirmed), completed order whose instrument is linked. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async placedOrder(quantities?: number[]): Promise<{ checkout: Checkout; order: any }> {
      const checkout = await helpers.checkoutAtNemuru(quantities)
      await helpers.decide(checkout.pspReference, "approve")
      const completed = await shop.complete(checkout.cartId)
      if (completed.data.type !== "order") throw new Error(`no order: ${JSON.stringify(completed.data.error)}`)
      const order = await eventually(async () => {
        const candidate = await base.orderOf(completed.data.order.id)
        return candidate?.metadata?.psp_payment?.state === "processing" && candidate.payment_instruments?.length ? candidate : undefined
      }, 20_000, "the order synced with Nemuru (confirmed)")
      await base.callbacksIdle()
      return { checkout, order }
    },

    /** A notification as Nemuru sends it for `checkout`, with the right Authorization unless told otherwise. */
    notify(checkout: Checkout, body: Record<string, unknown>, authorization = notificationAuthorization(NEMURU_TEST_SECRET, checkout.sessionId)) {
      return api.post(
        `/hooks/psp/${NEMURU_PROVIDER_ID.replace(/^pp_/, "")}`,
        { [PAYMENT_PAYLOAD_KEY]: checkout.sessionId, order_id: checkout.pspReference, ...body },
        { headers: { authorization, "content-type": "application/json" }, validateStatus: () => true }
      )
    },

    /** A return of `items`, requested and received through the admin API (EUR region). */
    async receiveReturn(orderId: string, items: { id: string; quantity: number }[]): Promise<string> {
      const step = async (path: string, body: unknown) => {
        const response = await admin.post(path, body)
        if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.data)}`)
        return response.data
      }
      const created = await step("/admin/returns", { order_id: orderId, location_id: store.stockLocationId })
      const returnId = created.return.id as string
      await step(`/admin/returns/${returnId}/request-items`, { items })
      await step(`/admin/returns/${returnId}/shipping-method`, { shipping_option_id: store.returnShippingOptions.eur })
      await step(`/admin/returns/${returnId}/request`, {})
      await step(`/admin/returns/${returnId}/receive`, {})
      await step(`/admin/returns/${returnId}/receive-items`, { items })
      await step(`/admin/returns/${returnId}/receive/confirm`, {})
      return returnId
    },
  }
  return helpers
}
