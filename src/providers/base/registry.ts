/**
 * Where workflows find the connector of a payment provider.
 *
 * Medusa builds each provider inside the Payment module's isolated container and never tells it
 * its own provider id (`pp_<identifier>_<id>`). Providers therefore register their connector here
 * under their identifier (and `options.id` when set), and lookups by provider id resolve to the
 * only provider of that identifier, or to the one whose `options.id` matches.
 */
import type { Connector } from "../../connectors/types"

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

/** True for the provider ids of this plugin's providers (those that registered a connector). */
export function isPluginProvider(providerId: string): boolean {
  const { identifier } = parseProviderId(providerId)
  return entries.some((entry) => entry.identifier === identifier)
}
