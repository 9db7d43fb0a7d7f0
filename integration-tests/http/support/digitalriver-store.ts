/**
 * The pieces of a Digital River test: the demo store (EUR region offers Digital River), a shopper
 * paying on the Drop-in page, the sandbox's view of the order, and Medusa's view.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import type { AxiosInstance } from "axios"
import { eventually, type PspSandboxHandle } from "./psp-sandbox"
import { resursStore } from "./resurs-store"
import type { Checkout } from "./storefront"

export const DR_PROVIDER_ID = "pp_digitalriver_digitalriver"
export const DR_SECRET_KEY = "sk_test_sandbox_digitalriver"

export type DrSnapshot = {
  id: string
  upstreamId: string | null
  state: string
  chargeState: string
  totals: { total: string; authorized: string; captured: string; capturePending: string; captureFailed: string; cancelled: string; refunded: string; availableToRefund: string }
  lines: { itemId: string; name: string; quantity?: number; fulfilledQuantity?: number; cancelledQuantity?: number; amount: string; captured: string; refunded: string }[]
}

export type DrFulfillment = { id: string; items: { itemId: string; quantity: number; cancelQuantity: number }[]; metadata?: Record<string, unknown> }

export async function digitalRiverStore(api: AxiosInstance, container: MedusaContainer, psp: PspSandboxHandle) {
  const base = await resursStore(api, container, psp)
  const control = psp.control()
  const drApi = (path: string) => control.get(`/digitalriver/${path}`, { headers: { authorization: `Bearer ${DR_SECRET_KEY}` } })

  const helpers = {
    ...base,

    /** A EUR cart (one line per demo product) paid with Digital River: the Drop-in page's URL. */
    async checkoutAtDigitalRiver(quantities: number[] = [2, 1, 3]): Promise<Checkout> {
      const cart = await base.shop.cart(quantities, "eur")
      return base.shop.pay(cart.id, DR_PROVIDER_ID)
    },

    /** The shopper's choice on the Drop-in page; the order id Digital River made, if any. */
    async decideDr(checkout: Checkout, decision: "approve" | "hold" | "decline" | "abandon"): Promise<string | null> {
      const sessionId = checkout.redirectUrl.split("/").pop()
      const response = await control.post(`/_sandbox/digitalriver/checkout-sessions/${sessionId}/decision`, { decision })
      if (response.status !== 200) throw new Error(`decision ${decision}: ${response.status} ${JSON.stringify(response.data)}`)
      return response.data.orderId
    },

    async drOrder(orderId: string): Promise<DrSnapshot> {
      return (await control.get(`/_sandbox/digitalriver/orders/${orderId}`)).data
    },

    /** Digital River's item id of each of our lines (by the reference in the item's metadata). */
    async drItemIds(orderId: string): Promise<Record<string, string>> {
      const order = (await drApi(`orders/${orderId}`)).data
      return Object.fromEntries(order.items.map((item: { id: string; metadata?: Record<string, string> }) => [item.metadata?.medusaLineReference, item.id]))
    },

    async drFulfillments(orderId: string): Promise<DrFulfillment[]> {
      return (await drApi(`fulfillments?orderId=${orderId}&limit=100`)).data.data
    },

    /** An approved, completed order synced with Digital River. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async placedDrOrder(quantities?: number[]): Promise<{ checkout: Checkout; drOrderId: string; order: any }> {
      const checkout = await helpers.checkoutAtDigitalRiver(quantities)
      const drOrderId = (await helpers.decideDr(checkout, "approve"))!
      const completed = await base.shop.complete(checkout.cartId)
      if (completed.data.type !== "order") throw new Error(`no order: ${JSON.stringify(completed.data.error)}`)
      const order = await eventually(async () => {
        const candidate = await base.orderOf(completed.data.order.id)
        return candidate?.metadata?.psp_payment?.state === "processing" && candidate.payment_instruments?.length ? candidate : undefined
      }, 20_000, "the order synced with Digital River")
      await base.callbacksIdle()
      return { checkout, drOrderId, order }
    },

    /** A return of `items`, requested and received through the admin API (EUR return option). */
    async receiveEurReturn(orderId: string, items: { id: string; quantity: number }[]): Promise<string> {
      const step = async (path: string, body: unknown) => {
        const response = await base.admin.post(path, body)
        if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.data)}`)
        return response.data
      }
      const created = await step("/admin/returns", { order_id: orderId, location_id: base.store.stockLocationId })
      const returnId = created.return.id as string
      await step(`/admin/returns/${returnId}/request-items`, { items })
      await step(`/admin/returns/${returnId}/shipping-method`, { shipping_option_id: base.store.returnShippingOptions.eur })
      await step(`/admin/returns/${returnId}/request`, {})
      await step(`/admin/returns/${returnId}/receive`, {})
      await step(`/admin/returns/${returnId}/receive-items`, { items })
      await step(`/admin/returns/${returnId}/receive/confirm`, {})
      return returnId
    },
  }
  return helpers
}
