/**
 * The storefront's side of a checkout, over the store API exactly as a storefront calls it.
 */
import type { AxiosInstance } from "axios"
import type { DemoStore } from "../../../demo/seed"

export type Checkout = {
  cartId: string
  paymentCollectionId: string
  sessionId: string
  pspReference: string
  redirectUrl: string
  total: number
}

export function storefront(api: AxiosInstance, store: DemoStore) {
  const headers = { "x-publishable-api-key": store.publishableKey }
  const call = async <T = any>(method: "get" | "post", url: string, body?: unknown): Promise<{ status: number; data: T }> => {
    const response = await api.request({ method, url, data: body, headers, validateStatus: () => true })
    return { status: response.status, data: response.data as T }
  }

  return {
    call,

    /** A SEK (or EUR) cart with `quantities.length` lines (one per demo product) and standard shipping. */
    async cart(quantities: number[] = [2, 1, 3], currency: "sek" | "eur" = "sek"): Promise<{ id: string; total: number }> {
      const regionId = store.regions[currency]
      const { data: products } = await call("get", `/store/products?region_id=${regionId}&fields=*variants`)
      const variants = (products.products as { handle: string; variants: { id: string }[] }[])
        .sort((a, b) => a.handle.localeCompare(b.handle))
        .map((product) => product.variants[0].id)
      const created = await call("post", "/store/carts", {
        region_id: regionId,
        email: "shopper@example.com",
        items: quantities.map((quantity, index) => ({ variant_id: variants[index], quantity })),
      })
      expect(created.status).toBe(200)
      const cartId = created.data.cart.id as string
      await call("post", `/store/carts/${cartId}`, {
        shipping_address:
          currency === "sek"
            ? { first_name: "Sven", last_name: "Svensson", address_1: "Storgatan 1", city: "Stockholm", postal_code: "11122", country_code: "se", phone: "0701234567" }
            : { first_name: "Lena", last_name: "Berg", address_1: "Hauptstraße 1", city: "Berlin", postal_code: "10115", country_code: "de", phone: "030123456" },
      })
      const { data: options } = await call("get", `/store/shipping-options?cart_id=${cartId}`)
      const shipped = await call("post", `/store/carts/${cartId}/shipping-methods`, { option_id: options.shipping_options[0].id })
      expect(shipped.status).toBe(200)
      return { id: cartId, total: shipped.data.cart.total as number }
    },

    /** Payment collection + a Resurs session; returns where the shopper is redirected. */
    async pay(cartId: string, providerId = "pp_resurs_resurs", data: Record<string, unknown> = {}): Promise<Checkout> {
      const collection = await call("post", "/store/payment-collections", { cart_id: cartId })
      expect(collection.status).toBe(200)
      const paymentCollectionId = collection.data.payment_collection.id as string
      const session = await call("post", `/store/payment-collections/${paymentCollectionId}/payment-sessions`, { provider_id: providerId, data })
      if (session.status !== 200) {
        throw new Error(`payment session: ${session.status} ${JSON.stringify(session.data)}`)
      }
      const payment = session.data.payment_collection.payment_sessions[0]
      return {
        cartId,
        paymentCollectionId,
        sessionId: payment.id,
        pspReference: payment.data.psp_reference,
        redirectUrl: payment.data.redirect_url,
        total: Number(session.data.payment_collection.amount),
      }
    },

    complete(cartId: string) {
      return call("post", `/store/carts/${cartId}/complete`)
    },
  }
}
