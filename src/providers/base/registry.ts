/**
 * Where workflows find the connector of a payment provider.
 *
 * Medusa builds each provider inside the Payment module's isolated container and never tells it
 * its own provider id (`pp_<identifier>_<id>`). Providers therefore register their connector here
 * under their identifier (and `options.id` when set), and lookups by provider id resolve to the
 * only provider of that identifier, or to the one whose `options.id` matches.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import type { Connector } from "../../connectors/types"

/** The identifiers of this plugin's providers (`pp_<identifier>_<id>`). */
export const PLUGIN_PROVIDER_IDENTIFIERS = ["resurs", "nemuru", "digitalriver", "cm"] as const

type Entry = { identifier: string; id?: string; connector: Connector }

const entries: Entry[] = []

export function registerConnector(identifier: string, id: string | undefined, connector: Connector): void {
  const existing = entries.findIndex((entry) => entry.identifier === identifier && entry.id === id)
  if (existing >= 0) {
    entries.splice(existing, 1)
  }
  entries.push({ identifier, id, connector })
}

/** `pp_resurs_resurs` → { identifier: "resurs", id: "resurs" }. Identifiers never contain "_". */
export function parseProviderId(providerId: string): { identifier: string; id?: string } {
  const bare = providerId.replace(/^pp_/, "")
  const separator = bare.indexOf("_")
  return separator < 0 ? { identifier: bare } : { identifier: bare.slice(0, separator), id: bare.slice(separator + 1) }
}

/**
 * The connector of a provider, building the provider first if Medusa has not yet (it builds them
 * lazily, on first use): listing payment methods is the Payment module's cheapest public call that
 * resolves a provider, and ours answer it without side effects. Throws when no such provider is
 * configured.
 */
export async function resolveConnector(container: MedusaContainer, providerId: string): Promise<Connector> {
  if (!entries.some((entry) => entry.identifier === parseProviderId(providerId).identifier)) {
    const paymentModule = container.resolve(Modules.PAYMENT)
    const [configured] = await paymentModule.listPaymentProviders({ id: providerId, is_enabled: true })
    if (!configured || !isPluginProvider(providerId)) {
      throw new UnknownProviderError(providerId)
    }
    await paymentModule.listPaymentMethods({ provider_id: providerId, context: {} })
  }
  return connectorFor(providerId)
}

/**
 * The connector behind a callback URL's `<identifier>_<id>`: only the exact routing key of a
 * configured provider (the one in the callback URLs it hands out). `resurs_<anything>` must not
 * reach the Resurs connector, and the key never reaches the database unless it is one of ours.
 */
export async function resolveCallbackConnector(container: MedusaContainer, routingKey: string): Promise<Connector> {
  if (!/^[a-z][a-z0-9]*_[A-Za-z0-9_-]{1,64}$/.test(routingKey)) {
    throw new UnknownProviderError(`pp_${routingKey.replace(/[^\x21-\x7e]/g, "?").slice(0, 80)}`)
  }
  const providerId = `pp_${routingKey}`
  const { identifier, id } = parseProviderId(providerId)
  if (!entries.some((entry) => entry.identifier === identifier && (entry.id ?? entry.identifier) === id)) {
    await resolveConnector(container, providerId)
  }
  const entry = entries.find((candidate) => candidate.identifier === identifier && (candidate.id ?? candidate.identifier) === id)
  if (!entry) {
    throw new UnknownProviderError(providerId)
  }
  return entry.connector
}

export class UnknownProviderError extends Error {
  constructor(readonly providerId: string) {
    super(`${providerId} is not a configured payment provider of this plugin`)
    this.name = "UnknownProviderError"
  }
}

export function connectorFor(providerId: string): Connector {
  const { identifier, id } = parseProviderId(providerId)
  const candidates = entries.filter((entry) => entry.identifier === identifier)
  const exact = candidates.find((entry) => entry.id !== undefined && entry.id === id)
  if (exact) {
    return exact.connector
  }
  if (candidates.length === 1) {
    return candidates[0].connector
  }
  if (candidates.length === 0) {
    throw new Error(
      `No "${identifier}" payment provider is configured (looked up for ${providerId}). ` +
        "Add it to the Payment module's providers in medusa-config."
    )
  }
  throw new Error(
    `Several "${identifier}" payment providers are configured; set options.id to the entry's id ("${id}") ` +
      "on each so that callbacks and workflows can tell them apart."
  )
}

/** True for the provider ids of this plugin's providers. */
export function isPluginProvider(providerId: string): boolean {
  return (PLUGIN_PROVIDER_IDENTIFIERS as readonly string[]).includes(parseProviderId(providerId).identifier)
}
