/**
 * Finding one of our operations on the PSP's own record of a payment: by our key where the PSP
 * echoes it (as `fitKey` made it fit), else by the PSP's ids stored when it answered.
 */
import { fitKey } from "./keys"
import type { ConnectorCapabilities, PspAction, PspPayment } from "./types"

export function findPspAction(
  payment: PspPayment,
  kind: PspAction["kind"],
  key: string,
  capabilities: ConnectorCapabilities,
  pspOperationIds: readonly string[]
): PspAction | undefined {
  const echoed = capabilities.echoesKey ? fitKey(key, capabilities.echoesKey.maxLength) : undefined
  return payment.actions.find(
    (action) => action.kind === kind && ((echoed !== undefined && action.key === echoed) || pspOperationIds.includes(action.id))
  )
}

/** Our key as the PSP keeps it; undefined when the PSP keeps none. */
export function pspKeyOf(key: string, capabilities: ConnectorCapabilities): string | undefined {
  return capabilities.echoesKey ? fitKey(key, capabilities.echoesKey.maxLength) : undefined
}
