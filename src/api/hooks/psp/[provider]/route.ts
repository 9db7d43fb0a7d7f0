/**
 * POST and GET /hooks/psp/:provider — the one callback pipeline for every PSP.
 *
 *   verify what the protocol allows → find the payment (by the PSP's reference or ours) → store
 *   the delivery once (deduplicated per provider; identity-less pings are not stored) → ask for
 *   one sync of the payment (coalesced: a burst of hints causes one) → answer the way the PSP
 *   expects → process asynchronously (event `psp_callback.stored` → sync workflow).
 *
 * A duplicate delivery still asks for a sync: a delivery never prevents a later sync (an early or
 * forged callback must not burn the dedup key of the real one). A repeat that a sync already
 * pending in this process will answer needs no write for that, and is answered from memory. Bad
 * signatures get 401, malformed bodies 400/415, unknown payments 404; such callbacks change
 * nothing and leave only an audit line in the log (never the body or its headers). Where the connector says so, callbacks it does not
 * act on (CallbackIgnoredError) and callbacks about payments we do not know (`acknowledgeUnknown`:
 * PSPs that retry or disable endpoints on anything but a success) get its answer instead, with
 * nothing stored.
 */
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { CallbackIgnoredError, CallbackRejectedError } from "../../../../connectors/errors"
import { callbackOutcomeLine, writeLogLine } from "../../../../lifecycle/log-lines"
import type { CallbackAcknowledgement, CallbackHint, Connector } from "../../../../connectors/types"
import { PAYMENT_LEDGER_MODULE, type PaymentLedgerModuleService } from "../../../../modules/payment-ledger"
import { resolveCallbackConnector, UnknownProviderError } from "../../../../providers/base/registry"
import { PSP_CALLBACK_STORED_EVENT, syncPendingHere } from "../../../../subscribers/psp-callback-stored"

/**
 * Deliveries this process stored (or found stored) lately, by provider and dedup key, with their
 * payment: a repeat of one while a sync of that payment is pending here is answered without the
 * database, since that sync's read answers it (a flood of duplicates costs no writes). Bounded:
 * the oldest are forgotten first.
 */
const recentlyAccepted = new Map<string, string>()
const RECENTLY_ACCEPTED_LIMIT = 10_000

function rememberAccepted(key: string, instrumentId: string): void {
  recentlyAccepted.delete(key)
  recentlyAccepted.set(key, instrumentId)
  if (recentlyAccepted.size > RECENTLY_ACCEPTED_LIMIT) {
    recentlyAccepted.delete(recentlyAccepted.keys().next().value as string)
  }
}

/** What may name a payment or an event and reach the database: printable, bounded. */
function isSafeIdentifier(value: string): boolean {
  return value.length > 0 && value.length <= 256 && /^[\x21-\x7e]+$/.test(value)
}

async function handleCallback(req: MedusaRequest, res: MedusaResponse, method: "GET" | "POST"): Promise<void> {
  const logger = req.scope.resolve(ContainerRegistrationKeys.LOGGER)
  const providerId = `pp_${req.params.provider}`
  // counted for the admin's attention page: one upsert per (provider, reason, hour), never awaited, never a 5xx
  const countRejected = (category: string) =>
    void req.scope
      .resolve<PaymentLedgerModuleService>(PAYMENT_LEDGER_MODULE)
      .countRejectedCallback({ provider_id: providerId, reason: category, known_provider: category !== "unknown_provider" })
      .catch(() => undefined)
  // one line per outcome (lifecycle/log-lines.ts): bounded, printable, never the body or its headers
  const audit = (http: number, reason: string, reference?: string, category = `http_${http}`) => {
    writeLogLine(logger, callbackOutcomeLine("rejected", { provider: providerId, http, reason, reference }))
    countRejected(category)
  }

  let connector: Connector
  try {
    connector = await resolveCallbackConnector(req.scope, req.params.provider)
  } catch (error) {
    if (!(error instanceof UnknownProviderError)) {
      throw error
    }
    audit(404, "unknown provider", undefined, "unknown_provider")
    res.status(404).json({ message: "No such payment provider" })
    return
  }

  const rawBody: unknown = method === "GET" ? Buffer.alloc(0) : (req as { rawBody?: unknown }).rawBody
  if (!Buffer.isBuffer(rawBody)) {
    audit(415, `unsupported content-type ${req.headers["content-type"] ?? "none"}`, undefined, "unsupported_media_type")
    res.status(415).json({ message: "Callbacks must be JSON, form or text bodies" })
    return
  }

  let hint: CallbackHint
  try {
    hint = connector.parseCallback({ method, rawBody, headers: req.headers, query: req.query as Record<string, unknown> })
  } catch (error) {
    if (error instanceof CallbackRejectedError) {
      audit(error.httpStatus, error.message)
      res.status(error.httpStatus).json({ message: error.message })
      return
    }
    if (error instanceof CallbackIgnoredError) {
      // taken but not acted on (an event type the connector does not handle): nothing stored
      writeLogLine(logger, callbackOutcomeLine("ignored", { provider: providerId, http: error.httpStatus, reason: error.message }))
      res.status(error.httpStatus).json({ received: true, ignored: true })
      return
    }
    // a connector that cannot read a forged input must not answer 5xx (the PSP would retry it)
    audit(400, `malformed: ${(error as Error).message}`)
    res.status(400).json({ message: "Malformed callback" })
    return
  }
  const reference = "pspReference" in hint.lookup ? hint.lookup.pspReference : hint.lookup.merchantReference
  if (!isSafeIdentifier(reference) || (hint.dedupKey !== null && !isSafeIdentifier(hint.dedupKey))) {
    audit(400, "identifier not printable or too long", reference)
    res.status(400).json({ message: "Malformed callback: the payment or event identifier is not valid" })
    return
  }

  const acceptedKey = hint.dedupKey === null ? undefined : `${providerId} ${hint.dedupKey}`
  const repeatOf = acceptedKey === undefined ? undefined : recentlyAccepted.get(acceptedKey)
  if (repeatOf && syncPendingHere(repeatOf)) {
    sendAnswer(res, connector.acknowledge(hint, true))
    writeLogLine(logger, callbackOutcomeLine("duplicate", { provider: providerId, instrument: repeatOf, reference, http: res.statusCode, event: hint.event, verified: hint.verified }))
    return
  }

  // one statement: find the payment, store the delivery once, ask for one sync
  const ledger = req.scope.resolve<PaymentLedgerModuleService>(PAYMENT_LEDGER_MODULE)
  let accepted: Awaited<ReturnType<PaymentLedgerModuleService["acceptCallback"]>>
  try {
    accepted = await ledger.acceptCallback({
      provider_id: providerId,
      lookup: hint.lookup,
      dedup_key: hint.dedupKey,
      verified: hint.verified,
      payload: { event: hint.event, ...hint.auditPayload },
      source: method === "GET" ? "ping" : "callback",
      psp_action_id: hint.pspActionId ?? null,
    })
  } catch (error) {
    // not stored: ask the PSP to deliver it again later
    writeLogLine(logger, callbackOutcomeLine("not_stored", { provider: providerId, reference, http: 503, event: hint.event, reason: (error as Error).message }))
    res.status(503).json({ message: "Temporarily unable to accept the callback; retry later" })
    return
  }
  if (!accepted) {
    // the connector's answer where its PSP retries, or disables the endpoint, on anything but a success
    const answer = connector.acknowledgeUnknown?.(hint)
    countRejected("unknown_payment")
    writeLogLine(logger, callbackOutcomeLine(answer ? "ignored" : "rejected", { provider: providerId, http: answer?.status ?? 404, event: hint.event, reason: "unknown payment", reference }))
    if (answer) {
      sendAnswer(res, answer)
      return
    }
    res.status(404).json({ message: "Unknown payment" })
    return
  }

  if (acceptedKey !== undefined) {
    rememberAccepted(acceptedKey, accepted.instrument_id)
  }
  const answer = connector.acknowledge(hint, accepted.duplicate)
  sendAnswer(res, answer)
  writeLogLine(logger, callbackOutcomeLine(accepted.duplicate ? "duplicate" : hint.dedupKey === null ? "sync_requested" : "stored", { provider: providerId, instrument: accepted.instrument_id, reference, http: answer.status, event: hint.event, verified: hint.verified }))

  // a hint while a sync is already asked for is covered by it (the sync runs once more): only the
  // hint that opened the request starts one
  if (accepted.syncStarted) {
    const eventBus = req.scope.resolve(Modules.EVENT_BUS)
    await eventBus.emit({ name: PSP_CALLBACK_STORED_EVENT, data: { instrument_id: accepted.instrument_id } })
  }
}

function sendAnswer(res: MedusaResponse, answer: CallbackAcknowledgement): void {
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    res.setHeader(name, value)
  }
  res.status(answer.status).json(answer.body)
}

export const POST = (req: MedusaRequest, res: MedusaResponse) => handleCallback(req, res, "POST")
export const GET = (req: MedusaRequest, res: MedusaResponse) => handleCallback(req, res, "GET")
