// A storefront in plain JavaScript: the store API calls a real storefront makes (see the README's
// "Storefront integration"), with the publishable key, backend URL and the PSPs on offer from /config.js.
// Each PSP account takes its own currency, so choosing the PSP chooses the region (Resurs: Sweden,
// SEK; Nemuru: Europe, EUR).
const { backendUrl, publishableKey, psps } = window.DEMO_CONFIG
const ADDRESSES = {
  se: { first_name: "Sven", last_name: "Svensson", address_1: "Storgatan 1", city: "Stockholm", postal_code: "11122", country_code: "se", phone: "0701234567" },
  de: { first_name: "Lena", last_name: "Berg", address_1: "Hauptstraße 1", city: "Berlin", postal_code: "10115", country_code: "de", phone: "030123456" },
}
const store = async (method, path, body) => {
  const response = await fetch(`${backendUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", "x-publishable-api-key": publishableKey },
    body: body ? JSON.stringify(body) : undefined,
  })
  const data = await response.json()
  if (!response.ok) throw new Error(data.message || `${method} ${path}: ${response.status}`)
  return data
}
const el = (id) => document.getElementById(id)
const chosen = () => psps.find((psp) => psp.providerId === el("psp").value) ?? psps[0]

let productLoads = 0

async function showProducts() {
  const psp = chosen()
  const load = ++productLoads
  el("products").setAttribute("aria-busy", "true")
  el("pay").textContent = `Pay with ${psp.name}`
  const { products } = await store("GET", `/store/products?region_id=${psp.regionId}&fields=*variants.calculated_price`)
  // only the latest load renders: an earlier answer must not show another currency or reset the quantities
  if (load !== productLoads) return
  el("products").setAttribute("aria-busy", "false")
  el("products").innerHTML = products
    .map((product) => {
      const variant = product.variants[0]
      const price = variant.calculated_price?.calculated_amount
      return `<div class="product"><span>${product.title} · ${price} ${psp.currency}</span>
        <input type="number" min="0" value="1" data-variant="${variant.id}" aria-label="Quantity of ${product.title}"></div>`
    })
    .join("")
}

async function pay() {
  el("pay").disabled = true
  const psp = chosen()
  try {
    el("status").textContent = "Creating your cart…"
    const items = [...document.querySelectorAll("[data-variant]")]
      .map((input) => ({ variant_id: input.dataset.variant, quantity: Number(input.value) }))
      .filter((item) => item.quantity > 0)
    const { cart } = await store("POST", "/store/carts", { region_id: psp.regionId, email: el("email").value, items })
    await store("POST", `/store/carts/${cart.id}`, { shipping_address: ADDRESSES[psp.country] })
    const { shipping_options } = await store("GET", `/store/shipping-options?cart_id=${cart.id}`)
    await store("POST", `/store/carts/${cart.id}/shipping-methods`, { option_id: shipping_options[0].id })
    const { payment_collection } = await store("POST", "/store/payment-collections", { cart_id: cart.id })
    const session = await store("POST", `/store/payment-collections/${payment_collection.id}/payment-sessions`, {
      provider_id: psp.providerId,
      data: { return_url: `${location.origin}/checkout/return?cart_id=${cart.id}&psp=${encodeURIComponent(psp.providerId)}` },
    })
    el("status").textContent = `Taking you to ${psp.name}…`
    location.href = session.payment_collection.payment_sessions[0].data.redirect_url
  } catch (error) {
    el("status").innerHTML = `<span class="error">${error.message}</span>`
    el("pay").disabled = false
  }
}

async function showOutcome() {
  // never trust the query string for the outcome: completing the cart makes the store ask the PSP
  const params = new URLSearchParams(location.search)
  const cartId = params.get("cart_id")
  const name = psps.find((psp) => psp.providerId === params.get("psp"))?.name ?? "Your payment provider"
  const result = await store("POST", `/store/carts/${cartId}/complete`)
  if (result.type === "order") {
    // an asynchronous PSP (Nemuru's lender) may confirm a moment after the order is placed: the
    // store shows it once the callback is applied, so look again for a few seconds before saying so
    el("result").innerHTML = `<p>Confirming your payment…</p>`
    let order
    for (let attempt = 0; attempt < 8; attempt++) {
      ;({ order } = await store("GET", `/store/orders/${result.order.id}?fields=id,display_id,payment_status`))
      if (order.payment_status === "authorized" || order.payment_status === "captured") break
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    el("result").innerHTML = `<h2 class="ok">Thank you! Order #${order.display_id} is placed.</h2>
      <p>${
        order.payment_status === "authorized" || order.payment_status === "captured"
          ? `${name} approved your payment; it is charged as your items ship.`
          : `<span class="hold">${name} is still confirming your payment; the order ships once it is approved.</span>`
      }</p>`
  } else {
    el("result").innerHTML = `<h2 class="error">The payment did not go through.</h2><p>${result.error?.message ?? ""}</p>`
  }
}

if (el("products")) {
  el("psp").innerHTML = psps.map((psp) => `<option value="${psp.providerId}">${psp.name} (${psp.currency})</option>`).join("")
  el("psp").addEventListener("change", () => showProducts().catch((error) => (el("products").textContent = error.message)))
  showProducts().catch((error) => (el("products").textContent = error.message))
  el("pay").addEventListener("click", pay)
} else {
  showOutcome().catch((error) => (el("result").innerHTML = `<p class="error">${error.message}</p>`))
}
