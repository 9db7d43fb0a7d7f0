/**
 * The pieces of a Resurs test: the demo store seeded, a shopper, an admin, the sandbox's view of
 * a payment, and Medusa's view of an order.
 */
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import axios, { type AxiosInstance } from "axios"
import { seedDemoStore, type DemoStore } from "../../../demo/seed"
import { PAYMENT_LEDGER_MODULE, type PaymentLedgerModuleService } from "../../../src/modules/payment-ledger"
import { eventually, type PspSandboxHandle } from "./psp-sandbox"
import { storefront, type Checkout } from "./storefront"

export type SandboxPayment = {
  id: string
  status: string
  totals: { total: string; authorized: string; captured: string; refunded: string; canceled: string }
  lines: {
    reference: string
    ordered: { quantity: string; amount: string }
    captured: { quantity: string; amount: string }
    refunded: { quantity: string; amount: string }
    canceled: { quantity: string; amount: string }
  }[]
  actions: { type: string; actionId: string; transactionId: string | null }[]
}

export async function resursStore(api: AxiosInstance, container: MedusaContainer, psp: PspSandboxHandle) {
  await psp.control().post("/_sandbox/reset")
  const store: DemoStore = await seedDemoStore(container)
  const shop = storefront(api, store)
  const login = await api.post("/auth/user/emailpass", store.admin)
  const admin = axios.create({
    baseURL: api.defaults.baseURL,
    headers: { authorization: `Bearer ${login.data.token}` },
    validateStatus: () => true,
  })
  const control = psp.control()
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const ledger = container.resolve<PaymentLedgerModuleService>(PAYMENT_LEDGER_MODULE)

  const helpers = {
    store,
    shop,
    admin,
    control,
    ledger,

    async decide(pspReference: string, decision: string): Promise<void> {
      const response = await control.post(`/_sandbox/resurs/payments/${pspReference}/decision`, { decision })
      if (response.status !== 200) throw new Error(`decision ${decision}: ${response.status} ${JSON.stringify(response.data)}`)
    },

    async sandboxPayment(pspReference: string): Promise<SandboxPayment> {
      return (await control.get(`/_sandbox/resurs/payments/${pspReference}`)).data
    },

    async callbacksIdle(): Promise<void> {
      const response = await control.get("/_sandbox/callbacks/idle?timeoutMs=15000")
      if (response.status !== 200) throw new Error("sandbox callbacks still in flight")
    },

    async ordersOfCart(cartId: string): Promise<{ order_id: string }[]> {
      return (await query.graph({ entity: "order_cart", fields: ["order_id"], filters: { cart_id: cartId } })).data as { order_id: string }[]
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async orderOf(orderId: string): Promise<any> {
      const { data } = await query.graph({
        entity: "order",
        fields: [
          "id",
          "status",
          "metadata",
          "items.*",
          "payment_collections.status",
          "payment_collections.payments.id",
          "payment_collections.payments.captures.amount",
          "payment_collections.payments.refunds.amount",
          "payment_instruments.id",
        ],
        filters: { id: orderId },
      })
      return data[0]
    },

    paymentsOf(sessionId: string) {
      return container.resolve(Modules.PAYMENT).listPayments({ payment_session_id: sessionId }, { relations: ["captures", "refunds"] })
    },

    /** Medusa's captured and refunded totals of a session's payment, as major-unit numbers. */
    async medusaTotals(sessionId: string): Promise<{ captured: number; refunded: number }> {
      const [payment] = await helpers.paymentsOf(sessionId)
      const sum = (rows: { amount: unknown }[] | undefined) => (rows ?? []).reduce((total, row) => total + Number(row.amount), 0)
      return { captured: sum(payment?.captures as never), refunded: sum(payment?.refunds as never) }
    },

    /** 3 lines at the Resurs hosted page: 2 × Canvas Tote, 1 × Linen Shirt, 3 × Wool Sweater (SEK), plus shipping. */
    async checkoutAtResurs(quantities: number[] = [2, 1, 3]): Promise<Checkout> {
      const cart = await shop.cart(quantities)
      return shop.pay(cart.id)
    },

    /** An approved, completed order whose instrument is linked and whose lines are bound to its items. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async placedOrder(quantities?: number[]): Promise<{ checkout: Checkout; order: any }> {
      const checkout = await helpers.checkoutAtResurs(quantities)
      await helpers.decide(checkout.pspReference, "approve")
      const completed = await shop.complete(checkout.cartId)
      if (completed.data.type !== "order") throw new Error(`no order: ${JSON.stringify(completed.data.error)}`)
      const order = await eventually(async () => {
        const candidate = await helpers.orderOf(completed.data.order.id)
        return candidate?.metadata?.psp_payment?.state === "processing" && candidate.payment_instruments?.length ? candidate : undefined
      }, 15_000, "the order synced with Resurs")
      await helpers.callbacksIdle()
      return { checkout, order }
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    itemBySku(order: any, sku: string): { id: string; quantity: number } {
      const item = order.items.find((candidate: { variant_sku: string }) => candidate.variant_sku === sku)
      if (!item) throw new Error(`no item ${sku}`)
      return { id: item.id, quantity: Number(item.quantity) }
    },

    /** Creates a fulfillment through the admin API; `fulfillmentId` is the one it created. */
    async fulfill(orderId: string, items: { id: string; quantity: number }[]): Promise<{ status: number; message?: string; fulfillmentId?: string }> {
      const before = new Set(await helpers.fulfillmentIds(orderId))
      const response = await admin.post(`/admin/orders/${orderId}/fulfillments`, { items, location_id: store.stockLocationId })
      const created = (await helpers.fulfillmentIds(orderId)).filter((id) => !before.has(id))
      return { status: response.status, message: response.data?.message, fulfillmentId: created[0] }
    },

    async fulfillmentIds(orderId: string): Promise<string[]> {
      const { data } = await query.graph({ entity: "order", fields: ["id", "fulfillments.id"], filters: { id: orderId } })
      return ((data[0] as { fulfillments?: { id: string }[] } | undefined)?.fulfillments ?? []).map((fulfillment) => fulfillment.id)
    },

    /**
     * A return of `items`, requested and received through the admin API, as a warehouse does it;
     * with `parts`, the first item is received in receipts of those quantities.
     */
    async receiveReturn(orderId: string, items: { id: string; quantity: number }[], parts?: number[], currency: "sek" | "eur" = "sek"): Promise<string> {
      const step = async (path: string, body: unknown) => {
        const response = await admin.post(path, body)
        if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.data)}`)
        return response.data
      }
      const created = await step("/admin/returns", { order_id: orderId, location_id: store.stockLocationId })
      const returnId = created.return.id as string
      await step(`/admin/returns/${returnId}/request-items`, { items })
      await step(`/admin/returns/${returnId}/shipping-method`, { shipping_option_id: store.returnShippingOptions[currency] })
      await step(`/admin/returns/${returnId}/request`, {})
      for (const receipt of parts ? parts.map((quantity) => [{ id: items[0].id, quantity }]) : [items]) {
        await step(`/admin/returns/${returnId}/receive`, {})
        await step(`/admin/returns/${returnId}/receive-items`, { items: receipt })
        await step(`/admin/returns/${returnId}/receive/confirm`, {})
      }
      return returnId
    },
  }
  return helpers
}
