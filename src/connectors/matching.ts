/**
 * Finding one of our operations on the PSP's own record of a payment, for every PSP: the engine
 * asks this before it records an operation whose answer was lost, and before any re-send.
 */
import { fitKey } from "./keys"
import type { ConnectorCapabilities, PspAction, PspPayment } from "./types"

/**
 * The PSP's action for our operation `key` of `kind`, or undefined when the PSP has no record of it.
 *
 * Where the PSP echoes our key (Resurs transactionId), the action is the one carrying
 * `fitKey(key, maxLength)`: the key as we sent it. Where it does not, or where it echoes keys on some
 * operations only (Resurs records none on cancels), the action is one of `pspOperationIds`, the
 * PSP's ids stored from its answer. With several matches (the PSP applied one key twice, which the
 * engine's lease exists to prevent) the first recorded is returned.
 */
export function findPspAction(
  payment: Pick<PspPayment, "actions">,
  kind: PspAction["kind"],
  key: string,
  capabilities: Pick<ConnectorCapabilities, "echoesKey">,
  pspOperationIds: readonly string[]
): PspAction | undefined {
  const candidates = payment.actions.filter((action) => action.kind === kind)
  if (capabilities.echoesKey) {
    const sent = fitKey(key, capabilities.echoesKey.maxLength)
    const byKey = candidates.find((action) => action.key === sent)
    if (byKey) {
      return byKey
    }
  }
  if (pspOperationIds.length === 0) {
    return undefined
  }
  const ids = new Set(pspOperationIds)
  return candidates.find((action) => ids.has(action.id))
}

/** Our key as the PSP keeps it; undefined when the PSP keeps none. */
export function pspKeyOf(key: string, capabilities: Pick<ConnectorCapabilities, "echoesKey">): string | undefined {
  return capabilities.echoesKey ? fitKey(key, capabilities.echoesKey.maxLength) : undefined
}
