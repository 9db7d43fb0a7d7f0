// A storefront in plain JavaScript: the store API calls a real storefront makes (see the README's
// "Storefront integration"), with the publishable key and backend URL from /config.js.
const { backendUrl, publishableKey } = window.DEMO_CONFIG
// the PSP to pay with: `/?psp=<name>` among DEMO_CONFIG.choices (kept for the return page), else the default
const choices = window.DEMO_CONFIG.choices || []
const wanted = new URLSearchParams(location.search).get("psp") || sessionStorage.getItem("demo-psp")
const choice = choices.find((candidate) => candidate.psp === wanted) || choices[0]
if (choice) sessionStorage.setItem("demo-psp", choice.psp)
const regionId = choice ? choice.regionId : window.DEMO_CONFIG.regionId
const providerId = choice ? choice.providerId : window.DEMO_CONFIG.providerId
const pspName = choice ? choice.label : "Resurs Bank"
const currency = choice ? choice.currency : "SEK"
const address = choice
  ? choice.address
  : { first_name: "Sven", last_name: "Svensson", address_1: "Storgatan 1", city: "Stockholm", postal_code: "11122", country_code: "se", phone: "0701234567" }
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

async function showProducts() {
  const { products } = await store("GET", `/store/products?region_id=${regionId}&fields=*variants.calculated_price`)
  el("products").innerHTML = products
    .map((product) => {
      const variant = product.variants[0]
      const price = variant.calculated_price?.calculated_amount
      return `<div class="product"><span>${product.title} · ${price} ${currency}</span>
        <input type="number" min="0" value="1" data-variant="${variant.id}" aria-label="Quantity of ${product.title}"></div>`
    })
    .join("")
}

async function pay() {
  el("pay").disabled = true
  try {
    el("status").textContent = "Creating your cart…"
    const items = [...document.querySelectorAll("[data-variant]")]
      .map((input) => ({ variant_id: input.dataset.variant, quantity: Number(input.value) }))
      .filter((item) => item.quantity > 0)
    const { cart } = await store("POST", "/store/carts", { region_id: regionId, email: el("email").value, items })
    await store("POST", `/store/carts/${cart.id}`, { shipping_address: address })
    const { shipping_options } = await store("GET", `/store/shipping-options?cart_id=${cart.id}`)
    await store("POST", `/store/carts/${cart.id}/shipping-methods`, { option_id: shipping_options[0].id })
    const { payment_collection } = await store("POST", "/store/payment-collections", { cart_id: cart.id })
    const session = await store("POST", `/store/payment-collections/${payment_collection.id}/payment-sessions`, {
      provider_id: providerId,
      data: { return_url: `${location.origin}/checkout/return?cart_id=${cart.id}` },
    })
    el("status").textContent = `Taking you to ${pspName}…`
    location.href = session.payment_collection.payment_sessions[0].data.redirect_url
  } catch (error) {
    el("status").innerHTML = `<span class="error">${error.message}</span>`
    el("pay").disabled = false
  }
}

async function showOutcome() {
  // never trust the query string: completing the cart makes the store ask the PSP
  const cartId = new URLSearchParams(location.search).get("cart_id")
  const result = await store("POST", `/store/carts/${cartId}/complete`)
  if (result.type === "order") {
    const { order } = await store("GET", `/store/orders/${result.order.id}?fields=id,display_id,payment_status`)
    el("result").innerHTML = `<h2 class="ok">Thank you! Order #${order.display_id} is placed.</h2>
      <p>${
        order.payment_status === "authorized"
          ? `${pspName} approved your payment; it is charged as your items ship.`
          : `<span class="hold">${pspName} is still reviewing your payment; the order ships once it is approved.</span>`
      }</p>`
  } else {
    el("result").innerHTML = `<h2 class="error">The payment did not go through.</h2><p>${result.error?.message ?? ""}</p>`
  }
}

function showChoices() {
  if (choices.length < 2 || !el("psps")) return
  el("psps").innerHTML = `Pay with: ${choices
    .map((candidate) => (candidate === choice ? `<strong>${candidate.label} (${candidate.currency})</strong>` : `<a href="/?psp=${candidate.psp}">${candidate.label} (${candidate.currency})</a>`))
    .join(" · ")}`
  el("pay").textContent = `Pay with ${pspName}`
  el("pay").dataset.testid = `pay-with-${choice.psp}`
}

if (el("products")) {
  showChoices()
  showProducts().catch((error) => (el("products").textContent = error.message))
  el("pay").addEventListener("click", pay)
} else {
  showOutcome().catch((error) => (el("result").innerHTML = `<p class="error">${error.message}</p>`))
}
