/**
 * Middleware on `POST /store/payment-collections/:id/payment-sessions`: when the session is for
 * one of this plugin's providers, it computes the cart's order lines on the server and puts them
 * into the session data as `checkout`, replacing anything the caller sent under that name.
 * Providers never see order lines a storefront could have forged.
 */
import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { checkoutLinesFromCart, type CartForCheckout } from "../../lifecycle/order-lines"
import { isPluginProvider } from "../../providers/base/registry"
import { serializeCheckout } from "../../providers/base/session-data"

const CART_FIELDS = [
  "id",
  "currency_code",
  "email",
  "total",
  "items.id",
  "items.title",
  "items.product_title",
  "items.variant_title",
  "items.variant_id",
  "items.variant_sku",
  "items.quantity",
  "items.total",
  "items.tax_lines.rate",
  "shipping_methods.id",
  "shipping_methods.name",
  "shipping_methods.total",
  "shipping_methods.tax_lines.rate",
  "shipping_address.first_name",
  "shipping_address.last_name",
  "shipping_address.phone",
  "shipping_address.country_code",
]

type SessionBody = { provider_id?: string; data?: Record<string, unknown> }

export async function attachCheckoutLines(
  req: MedusaRequest,
  _res: MedusaResponse,
  next: MedusaNextFunction
): Promise<void> {
  try {
    const body = (req.validatedBody ?? req.body) as SessionBody | undefined
    if (!body?.provider_id || !isPluginProvider(body.provider_id)) {
      return next()
    }
    const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
    const { data: links } = await query.graph({
      entity: "cart_payment_collection",
      fields: ["cart_id"],
      filters: { payment_collection_id: req.params.id },
    })
    const cartId = (links[0] as { cart_id?: string } | undefined)?.cart_id
    if (!cartId) {
      return next() // not a cart's collection (order edit, exchange): the provider charges the amount as one line
    }
    const { data: carts } = await query.graph({ entity: "cart", fields: CART_FIELDS, filters: { id: cartId } })
    const cart = carts[0] as unknown as CartForCheckout & {
      email?: string | null
      shipping_address?: { first_name?: string; last_name?: string; phone?: string; country_code?: string } | null
    }
    const { lines } = checkoutLinesFromCart(cart)
    const address = cart.shipping_address
    const checkout = serializeCheckout({
      cartId,
      lines,
      customer: {
        ...(cart.email ? { email: cart.email } : {}),
        ...(address?.phone ? { phone: address.phone } : {}),
        ...(address?.first_name ? { firstName: address.first_name } : {}),
        ...(address?.last_name ? { lastName: address.last_name } : {}),
        ...(address?.country_code ? { countryCode: address.country_code } : {}),
      },
    })
    for (const target of [req.body, req.validatedBody] as (SessionBody | undefined)[]) {
      if (target) {
        target.data = { ...(target.data ?? {}), checkout }
      }
    }
    next()
  } catch (error) {
    next(error)
  }
}
