/**
 * The demo store: two regions (EUR and SEK), a warehouse with stock, a shipping option per region,
 * a few products, a publishable API key and an admin user. Idempotent: every piece is looked up
 * by name first, so running it again changes nothing.
 *
 * Run by `npm run demo` through `medusa exec ./demo/seed.ts`; HTTP tests call `seedDemoStore`.
 */
import { isPluginProvider, parseProviderId } from "../src/providers/base/registry"
import {
  createApiKeysWorkflow,
  createInventoryLevelsWorkflow,
  createProductsWorkflow,
  createRegionsWorkflow,
  createShippingOptionsWorkflow,
  createShippingProfilesWorkflow,
  createStockLocationsWorkflow,
  createTaxRegionsWorkflow,
  createUsersWorkflow,
  linkSalesChannelsToApiKeyWorkflow,
  linkSalesChannelsToStockLocationWorkflow,
  updateRegionsWorkflow,
  updateStoresWorkflow,
} from "@medusajs/medusa/core-flows"
import type { ExecArgs, MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules, ProductStatus } from "@medusajs/framework/utils"

export const DEMO_ADMIN = { email: "admin@example.com", password: "supersecret" } as const


/** Amounts are in major units, as Medusa stores them (`shipping: 5` is 5.00 EUR). `psps`: the plugin's PSPs offered in the region (a PSP account takes its own currencies: Resurs's Swedish store takes SEK, Nemuru takes EUR). */
const DEMO_REGIONS = [
  { name: "Europe", currency_code: "eur", countries: ["de", "fr", "nl", "es", "it", "fi"], shipping: 5, psps: ["nemuru", "digitalriver", "cm"] as string[] },
  { name: "Sweden", currency_code: "sek", countries: ["se"], shipping: 59, psps: ["resurs"] },
] as const

const DEMO_PRODUCTS = [
  { title: "Linen Shirt", handle: "linen-shirt", sku: "LINEN-SHIRT", eur: 59, sek: 649, stock: 100 },
  { title: "Wool Sweater", handle: "wool-sweater", sku: "WOOL-SWEATER", eur: 89.5, sek: 995, stock: 100 },
  { title: "Canvas Tote", handle: "canvas-tote", sku: "CANVAS-TOTE", eur: 19.99, sek: 219, stock: 100 },
] as const

const STOCK_LOCATION_NAME = "Demo Warehouse"
const API_KEY_TITLE = "Demo storefront"

export type DemoStore = {
  publishableKey: string
  regions: Record<string, string>
  salesChannelId: string
  stockLocationId: string
  /** the free return shipping option per currency */
  returnShippingOptions: Record<string, string>
  productIds: string[]
  admin: typeof DEMO_ADMIN
}

export async function seedDemoStore(container: MedusaContainer): Promise<DemoStore> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const link = container.resolve(ContainerRegistrationKeys.LINK)
  const storeModule = container.resolve(Modules.STORE)
  const salesChannelModule = container.resolve(Modules.SALES_CHANNEL)
  const regionModule = container.resolve(Modules.REGION)
  const taxModule = container.resolve(Modules.TAX)
  const stockLocationModule = container.resolve(Modules.STOCK_LOCATION)
  const fulfillmentModule = container.resolve(Modules.FULFILLMENT)
  const apiKeyModule = container.resolve(Modules.API_KEY)
  const productModule = container.resolve(Modules.PRODUCT)
  const inventoryModule = container.resolve(Modules.INVENTORY)

  // Store and sales channel
  const [store] = await storeModule.listStores({}, { relations: ["supported_currencies"] })
  let [salesChannel] = await salesChannelModule.listSalesChannels({ name: "Default Sales Channel" })
  if (!salesChannel) {
    salesChannel = await salesChannelModule.createSalesChannels({ name: "Default Sales Channel" })
  }
  const currencies = new Set((store.supported_currencies ?? []).map((c) => c.currency_code))
  if (!currencies.has("eur") || !currencies.has("sek") || store.default_sales_channel_id !== salesChannel.id) {
    await updateStoresWorkflow(container).run({
      input: {
        selector: { id: store.id },
        update: {
          name: "Order Payments Demo",
          supported_currencies: [
            { currency_code: "eur", is_default: true },
            { currency_code: "sek" },
          ],
          default_sales_channel_id: salesChannel.id,
        },
      },
    })
  }

  // Regions (with Medusa's system provider and the region's PSPs enabled, as configured) and tax regions
  const configuredProviders = (await container.resolve(Modules.PAYMENT).listPaymentProviders({ is_enabled: true }))
    .map((provider) => provider.id)
    .sort()
  const regions: Record<string, string> = {}
  for (const spec of DEMO_REGIONS) {
    const paymentProviders = configuredProviders.filter(
      (id) => !isPluginProvider(id) || (spec.psps as readonly string[]).includes(parseProviderId(id).identifier)
    )
    const [existing] = await regionModule.listRegions({ name: spec.name })
    if (existing) {
      regions[spec.currency_code] = existing.id
      await enablePaymentProviders(container, existing.id, paymentProviders)
      continue
    }
    const { result } = await createRegionsWorkflow(container).run({
      input: {
        regions: [
          {
            name: spec.name,
            currency_code: spec.currency_code,
            countries: [...spec.countries],
            payment_providers: paymentProviders,
            automatic_taxes: true,
          },
        ],
      },
    })
    regions[spec.currency_code] = result[0].id
    logger.info(`Seeded region ${spec.name} (${spec.currency_code.toUpperCase()}).`)
  }
  const allCountries = DEMO_REGIONS.flatMap((r) => [...r.countries])
  const existingTaxRegions = new Set(
    (await taxModule.listTaxRegions({ country_code: allCountries })).map((t) => t.country_code)
  )
  const missingTaxRegions = allCountries.filter((c) => !existingTaxRegions.has(c))
  if (missingTaxRegions.length) {
    await createTaxRegionsWorkflow(container).run({
      input: missingTaxRegions.map((country_code) => ({ country_code, provider_id: "tp_system" })),
    })
  }

  // Warehouse, fulfillment and shipping
  let [stockLocation] = await stockLocationModule.listStockLocations({ name: STOCK_LOCATION_NAME })
  if (!stockLocation) {
    const { result } = await createStockLocationsWorkflow(container).run({
      input: {
        locations: [{ name: STOCK_LOCATION_NAME, address: { city: "Stockholm", country_code: "SE", address_1: "Demogatan 1" } }],
      },
    })
    stockLocation = result[0]
    await link.create({
      [Modules.STOCK_LOCATION]: { stock_location_id: stockLocation.id },
      [Modules.FULFILLMENT]: { fulfillment_provider_id: "manual_manual" },
    })
    await linkSalesChannelsToStockLocationWorkflow(container).run({
      input: { id: stockLocation.id, add: [salesChannel.id] },
    })
  }

  let [shippingProfile] = await fulfillmentModule.listShippingProfiles({ type: "default" })
  if (!shippingProfile) {
    const { result } = await createShippingProfilesWorkflow(container).run({
      input: { data: [{ name: "Default Shipping Profile", type: "default" }] },
    })
    shippingProfile = result[0]
  }

  const fulfillmentSetName = `${STOCK_LOCATION_NAME} delivery`
  let [fulfillmentSet] = await fulfillmentModule.listFulfillmentSets(
    { name: fulfillmentSetName },
    { relations: ["service_zones"] }
  )
  if (!fulfillmentSet) {
    fulfillmentSet = await fulfillmentModule.createFulfillmentSets({
      name: fulfillmentSetName,
      type: "shipping",
      service_zones: DEMO_REGIONS.map((r) => ({
        name: r.name,
        geo_zones: r.countries.map((country_code) => ({ country_code, type: "country" as const })),
      })),
    })
    await link.create({
      [Modules.STOCK_LOCATION]: { stock_location_id: stockLocation.id },
      [Modules.FULFILLMENT]: { fulfillment_set_id: fulfillmentSet.id },
    })
  }

  // Standard shipping, and a free return option per region
  const existingOptions = new Set((await fulfillmentModule.listShippingOptions({})).map((option) => option.name))
  const shippingOptions = DEMO_REGIONS.flatMap((r) => [
    { name: `Standard shipping (${r.name})`, region: r, isReturn: false, amount: r.shipping },
    { name: `Return (${r.name})`, region: r, isReturn: true, amount: 0 },
  ]).filter((option) => !existingOptions.has(option.name))
  if (shippingOptions.length) {
    await createShippingOptionsWorkflow(container).run({
      input: shippingOptions.map(({ name, region, isReturn, amount }) => ({
        name,
        price_type: "flat" as const,
        provider_id: "manual_manual",
        service_zone_id: fulfillmentSet.service_zones.find((zone) => zone.name === region.name)!.id,
        shipping_profile_id: shippingProfile.id,
        type: isReturn
          ? { label: "Return", description: "Free return to the warehouse.", code: "return" }
          : { label: "Standard", description: "Delivered in 2-4 days.", code: "standard" },
        prices: [
          { currency_code: region.currency_code, amount },
          { region_id: regions[region.currency_code], amount },
        ],
        rules: [
          { attribute: "enabled_in_store", value: "true", operator: "eq" as const },
          { attribute: "is_return", value: isReturn ? "true" : "false", operator: "eq" as const },
        ],
      })),
    })
  }
  const returnOptions = Object.fromEntries(
    (await fulfillmentModule.listShippingOptions({ name: DEMO_REGIONS.map((r) => `Return (${r.name})`) })).map((option) => [
      DEMO_REGIONS.find((r) => option.name === `Return (${r.name})`)!.currency_code,
      option.id,
    ])
  )

  // Publishable API key
  let [apiKey] = await apiKeyModule.listApiKeys({ title: API_KEY_TITLE, type: "publishable" })
  if (!apiKey) {
    const { result } = await createApiKeysWorkflow(container).run({
      input: { api_keys: [{ title: API_KEY_TITLE, type: "publishable", created_by: "" }] },
    })
    apiKey = result[0]
    await linkSalesChannelsToApiKeyWorkflow(container).run({
      input: { id: apiKey.id, add: [salesChannel.id] },
    })
  }

  // Products with stock
  const existingHandles = new Set(
    (await productModule.listProducts({ handle: DEMO_PRODUCTS.map((p) => p.handle) })).map((p) => p.handle)
  )
  const missingProducts = DEMO_PRODUCTS.filter((p) => !existingHandles.has(p.handle))
  if (missingProducts.length) {
    await createProductsWorkflow(container).run({
      input: {
        products: missingProducts.map((p) => ({
          title: p.title,
          handle: p.handle,
          status: ProductStatus.PUBLISHED,
          shipping_profile_id: shippingProfile.id,
          options: [{ title: "Size", values: ["One size"] }],
          variants: [
            {
              title: "One size",
              sku: p.sku,
              options: { Size: "One size" },
              manage_inventory: true,
              prices: [
                { currency_code: "eur", amount: p.eur },
                { currency_code: "sek", amount: p.sek },
              ],
            },
          ],
          sales_channels: [{ id: salesChannel.id }],
        })),
      },
    })
    const items = await inventoryModule.listInventoryItems({ sku: missingProducts.map((p) => p.sku) })
    await createInventoryLevelsWorkflow(container).run({
      input: {
        inventory_levels: items.map((item) => ({
          inventory_item_id: item.id,
          location_id: stockLocation.id,
          stocked_quantity: DEMO_PRODUCTS.find((p) => p.sku === item.sku)!.stock,
        })),
      },
    })
    logger.info(`Seeded ${missingProducts.length} products with stock.`)
  }
  const products = await productModule.listProducts({ handle: DEMO_PRODUCTS.map((p) => p.handle) })

  await ensureAdminUser(container)

  return {
    publishableKey: apiKey.token,
    regions,
    salesChannelId: salesChannel.id,
    stockLocationId: stockLocation.id,
    returnShippingOptions: returnOptions,
    productIds: products.map((p) => p.id),
    admin: DEMO_ADMIN,
  }
}

async function enablePaymentProviders(container: MedusaContainer, regionId: string, providers: string[]): Promise<void> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({ entity: "region", fields: ["payment_providers.id"], filters: { id: regionId } })
  const enabled = ((data[0] as { payment_providers?: { id: string }[] } | undefined)?.payment_providers ?? []).map((p) => p.id)
  if (providers.some((provider) => !enabled.includes(provider))) {
    await updateRegionsWorkflow(container).run({
      input: { selector: { id: regionId }, update: { payment_providers: [...new Set([...enabled, ...providers])] } },
    })
  }
}

async function ensureAdminUser(container: MedusaContainer): Promise<void> {
  const userModule = container.resolve(Modules.USER)
  const authModule = container.resolve(Modules.AUTH)
  const [existing] = await userModule.listUsers({ email: DEMO_ADMIN.email })
  if (existing) {
    return
  }
  const { result: users } = await createUsersWorkflow(container).run({
    input: { users: [{ email: DEMO_ADMIN.email }] },
  })
  const { authIdentity, error } = await authModule.register("emailpass", {
    body: { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password },
  })
  if (error || !authIdentity) {
    throw new Error(`Could not create the demo admin login: ${error}`)
  }
  await authModule.updateAuthIdentities({ id: authIdentity.id, app_metadata: { user_id: users[0].id } })
}

export default async function seedDemo({ container }: ExecArgs): Promise<void> {
  const store = await seedDemoStore(container)
  // The demo runner reads this line to print the storefront key.
  console.log(`DEMO_STORE ${JSON.stringify(store)}`)
}
