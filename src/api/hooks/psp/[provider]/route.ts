/**
 * POST /hooks/psp/:provider — the one callback pipeline for every PSP.
 *
 *   verify what the protocol allows → find the payment → store durably (deduplicated) → answer the
 *   way the PSP expects → process asynchronously (event `psp_callback.stored` → sync workflow).
 *
 * Bad signatures get 401, malformed bodies 400/415, unknown payments 404; such callbacks change
 * nothing and leave only an audit line in the log (never the body or its headers).
 */
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { CallbackRejectedError } from "../../../../connectors/errors"
import type { CallbackHint, Connector } from "../../../../connectors/types"
import { PAYMENT_LEDGER_MODULE, type PaymentLedgerModuleService } from "../../../../modules/payment-ledger"
import { resolveConnector, UnknownProviderError } from "../../../../providers/base/registry"
import { PSP_CALLBACK_STORED_EVENT } from "../../../../subscribers/psp-callback-stored"

export const POST = async (req: MedusaRequest, res: MedusaResponse): Promise<void> => {
  const logger = req.scope.resolve(ContainerRegistrationKeys.LOGGER)
  const providerId = `pp_${req.params.provider}`
  const audit = (outcome: string, detail: string) =>
    logger.warn(`psp callback rejected: provider=${providerId} outcome=${outcome} ${detail}`)

  let connector: Connector
  try {
    connector = await resolveConnector(req.scope, providerId)
  } catch (error) {
    if (!(error instanceof UnknownProviderError)) {
      throw error
    }
    audit("unknown_provider", "")
    res.status(404).json({ message: `No payment provider ${req.params.provider}` })
    return
  }

  const rawBody: unknown = (req as { rawBody?: unknown }).rawBody
  if (!Buffer.isBuffer(rawBody)) {
    audit("unsupported_media_type", `content-type=${req.headers["content-type"] ?? "none"}`)
    res.status(415).json({ message: "Callbacks must be JSON, form or text bodies" })
    return
  }

  let hint: CallbackHint
  try {
    hint = connector.parseCallback({ rawBody, headers: req.headers, query: req.query as Record<string, unknown> })
  } catch (error) {
    if (error instanceof CallbackRejectedError) {
      audit(`http_${error.httpStatus}`, `reason="${error.message}"`)
      res.status(error.httpStatus).json({ message: error.message })
      return
    }
    throw error
  }

  const ledger = req.scope.resolve<PaymentLedgerModuleService>(PAYMENT_LEDGER_MODULE)
  const instrument = await ledger.findInstrumentByPspReference(providerId, hint.pspReference)
  if (!instrument) {
    audit("unknown_payment", `psp_reference=${hint.pspReference}`)
    res.status(404).json({ message: `Unknown payment ${hint.pspReference}` })
    return
  }

  let stored: Awaited<ReturnType<PaymentLedgerModuleService["recordCallback"]>>
  try {
    stored = await ledger.recordCallback({
      provider_id: providerId,
      dedup_key: hint.dedupKey,
      verified: hint.verified,
      payload: { event: hint.event, ...hint.auditPayload },
      psp_reference: hint.pspReference,
      instrument_id: instrument.id,
    })
  } catch (error) {
    // not stored: ask the PSP to deliver it again later
    logger.error(`psp callback not stored: provider=${providerId} psp_reference=${hint.pspReference}: ${(error as Error).message}`)
    res.status(503).json({ message: "Temporarily unable to accept the callback; retry later" })
    return
  }

  res.status(connector.callbackAcceptedStatus).json({ received: true, duplicate: stored.duplicate })

  if (!stored.duplicate || !stored.callback.processed_at) {
    const eventBus = req.scope.resolve(Modules.EVENT_BUS)
    await eventBus.emit({
      name: PSP_CALLBACK_STORED_EVENT,
      data: { callback_id: stored.callback.id, instrument_id: instrument.id },
    })
  }
}
