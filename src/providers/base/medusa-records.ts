/**
 * What the provider answers when Medusa core asks for a capture or refund (admin buttons, the
 * plugin's own recording of a movement it already made): Medusa has just created its Capture or
 * Refund row and must end up recording exactly one PSP movement for it.
 *
 *   1. a succeeded movement not yet recorded, of that amount, is claimed for the row (adopted);
 *   2. else the payment's open operations are settled first (Medusa retries with a new key,
 *      medusajs/medusa#16292), and the claim is tried again;
 *   3. else the PSP is asked, under a key derived from the row's id, assigned to the row from the
 *      start so that no other recorder takes it. If that throws, Medusa deletes its row: the
 *      assignment is released, and whatever the PSP did stays recordable.
 */
import { MedusaError } from "@medusajs/framework/utils"
import { operationKey } from "../../lifecycle/keys"
import type { MinorUnits } from "../../lifecycle/money"
import { runMoneyOperation, settleInstrument, type OperationContext } from "../../settlement"

export async function recordOrRunForMedusa(
  context: OperationContext,
  kind: "capture" | "refund",
  medusaId: string,
  amount: MinorUnits,
  pspName: string
): Promise<void> {
  if (!medusaId) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `${pspName}: Medusa passed no ${kind} id`)
  }
  const { ledger, instrument } = context
  const claim = () => ledger.claimOperationForMedusaRecord({ instrument_id: instrument.id, kind, amount, medusa_record_id: medusaId })
  if (await claim()) {
    return
  }
  await settleInstrument(context)
  if (await claim()) {
    return
  }
  const key = operationKey({ kind, source: "medusa", id: medusaId, instrumentId: instrument.id })
  try {
    await runMoneyOperation(context, { kind, key, origin: `medusa:${medusaId}`, amount, medusaRecordId: medusaId })
  } catch (error) {
    await ledger.releaseMedusaRecord({ idempotency_key: key, medusa_record_id: medusaId })
    throw error
  }
}
