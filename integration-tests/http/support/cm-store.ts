/**
 * The pieces of a CM.com test: the demo store's EUR region (which offers CM.com), the sandbox
 * merchant's Update URL pointed at this Medusa (what a merchant sets in CM's back office), the
 * shopper's choices on the CM menu and the sandbox's view of a CM order. The store-wide helpers
 * (orders, fulfillments, returns, the ledger) are the Resurs store's.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import type { AxiosInstance } from "axios"
import { eventually, type PspSandboxHandle } from "./psp-sandbox"
import { resursStore } from "./resurs-store"
import type { Checkout } from "./storefront"

export const CM_PROVIDER_ID = "pp_cm_cm"
export const CM_CALLBACK_PATH = "/hooks/psp/cm_cm"
export const CM_MERCHANT_KEY = "sandbox-cm-merchant-key"

export type CmSandboxOrder = {
  orderKey: string
  orderReference: string
  status: string
  consideredSafe: { level: string } | null
  totals: { amount: string; authorized: string; captured: string; refunded: string; capturable: string; remainingToPay: string }
  payments: { id: string; method: string; state: string; held: boolean; authorized: string; captured: string; refunded: string; capturable: string }[]
}

export type CmDecision = { decision: "approve" | "decline" | "hold" | "abandon"; method?: string; giftCardAmount?: number; paymentId?: string }

export async function cmStore(api: AxiosInstance, container: MedusaContainer, psp: PspSandboxHandle) {
  const base = await resursStore(api, container, psp)
  const { control, shop } = base
  const updateUrl = `${process.env.MEDUSA_BACKEND_URL}${CM_CALLBACK_PATH}`
  const set = await control.put(`/_sandbox/cm/merchants/${CM_MERCHANT_KEY}`, { updateUrl })
  if (set.status !== 200) throw new Error(`Update URL: ${set.status} ${JSON.stringify(set.data)}`)

  const helpers = {
    ...base,
    updateUrl,

    async decideCm(orderKey: string, body: CmDecision = { decision: "approve", method: "VISA" }): Promise<CmSandboxOrder & { redirectTo: string | null }> {
      const response = await control.post(`/_sandbox/cm/orders/${orderKey}/decision`, body)
      if (response.status !== 200) throw new Error(`decision ${JSON.stringify(body)}: ${response.status} ${JSON.stringify(response.data)}`)
      return response.data
    },

    async cmControl(orderKey: string, action: "considered-safe" | "release" | "reject" | "expire", body: unknown = {}): Promise<CmSandboxOrder> {
      const response = await control.post(`/_sandbox/cm/orders/${orderKey}/${action}`, body)
      if (response.status !== 200) throw new Error(`${action}: ${response.status} ${JSON.stringify(response.data)}`)
      return response.data
    },

    async cmOrder(orderKey: string): Promise<CmSandboxOrder> {
      return (await control.get(`/_sandbox/cm/orders/${orderKey}`)).data
    },

    /** A EUR cart (2 × Canvas Tote, 1 × Linen Shirt, 1 × Wool Sweater, shipping) at the CM menu. */
    async checkoutAtCm(quantities: number[] = [2, 1, 1]): Promise<Checkout> {
      const cart = await shop.cart(quantities, "eur")
      return shop.pay(cart.id, CM_PROVIDER_ID)
    },

    /**
     * The shopper pays on the menu (as `decisions` say, or as they say given the CM order's total in
     * cents), comes back, the cart completes; the order once synced.
     */
    async placedCmOrder(
      decisions: CmDecision[] | ((totalCents: number) => CmDecision[]) = [{ decision: "approve", method: "VISA" }],
      state = "processing"
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
    ): Promise<{ checkout: Checkout; order: any }> {
      const checkout = await helpers.checkoutAtCm()
      const total = Number((await helpers.cmOrder(checkout.pspReference)).totals.amount)
      for (const decision of typeof decisions === "function" ? decisions(total) : decisions) {
        await helpers.decideCm(checkout.pspReference, decision)
      }
      const completed = await shop.complete(checkout.cartId)
      if (completed.data.type !== "order") throw new Error(`no order: ${JSON.stringify(completed.data.error ?? completed.data)}`)
      const order = await eventually(async () => {
        const candidate = await base.orderOf(completed.data.order.id)
        return candidate?.metadata?.psp_payment?.state === state && candidate.payment_instruments?.length ? candidate : undefined
      }, 20_000, `the order synced with CM.com (${state})`)
      await base.callbacksIdle()
      return { checkout, order }
    },
  }
  return helpers
}
