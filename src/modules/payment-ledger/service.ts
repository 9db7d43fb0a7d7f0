import type { Context } from "@medusajs/framework/types"
import type { Knex, SqlEntityManager } from "@medusajs/framework/mikro-orm/knex"
import {
  generateEntityId,
  InjectManager,
  InjectTransactionManager,
  MedusaContext,
  MedusaError,
  MedusaService,
} from "@medusajs/framework/utils"
import {
  beginOperation as beginLedgerOperation,
  failOperation as failLedgerOperation,
  lapseOperation as lapseLedgerOperation,
  IdempotencyKeyConflictError,
  ledgerViolations,
  openInstrument as openLedger,
  settleOperation as settleLedgerOperation,
  type InstrumentLedger,
  type InstrumentOrigin,
  type LedgerLineInput,
  type LineQuantity,
  type OperationKind,
} from "../../lifecycle/ledger"
import type { MinorUnits } from "../../lifecycle/money"
import { parseLifecyclePolicy, type LifecyclePolicy } from "../../lifecycle/policy"
import { batchEntityIds, groupCommit } from "./group-commit"
import { PaymentCallback } from "./models/payment-callback"
import { PaymentCallbackRejection } from "./models/payment-callback-rejection"
import { PaymentInstrument } from "./models/payment-instrument"
import { PaymentOperation } from "./models/payment-operation"
import { PaymentSyncRequest } from "./models/payment-sync-request"
import {
  instrumentColumns,
  isOpenOperation,
  ledgerFromRecords,
  operationLinesToStored,
  type OperationError,
  type PaymentCallbackRecord,
  type PaymentInstrumentRecord,
  type PaymentOperationRecord,
  type PspStatusEntry,
} from "./records"

export interface OpenInstrumentInput {
  provider_id: string
  payment_session_id: string
  merchant_reference?: string | null
  currency_code: string
  amount: MinorUnits
  origin: InstrumentOrigin
  lines?: LedgerLineInput[]
  psp_reference?: string | null
  payment_id?: string | null
  metadata?: Record<string, unknown> | null
}

export interface BeginOperationInput {
  idempotency_key: string
  kind: OperationKind
  /** what asked for it: `fulfillment:<id>`, `return:<id>`, `admin:<id>`… */
  origin?: string
  /** the Medusa Capture/Refund this operation is made for, when Medusa asked for it */
  medusa_record_id?: string
  /** Omitted: the lines' amount, or everything available (see OperationRequest in the ledger). */
  amount?: MinorUnits
  lines?: LineQuantity[]
  /** the tender to move money on, where the PSP payment has several */
  tender_id?: string
}

export interface OperationPspIds {
  /** added to the ids already known */
  psp_operation_ids?: string[]
}

/** Who calls the PSP for an operation, and for how long at most (then another worker may take over). */
export interface OperationLease {
  owner: string
  seconds: number
}

export interface RecordCallbackInput {
  provider_id: string
  dedup_key: string
  verified: boolean
  /** Already redacted by the caller: no secrets, no personal data. */
  payload: Record<string, unknown>
  psp_reference?: string | null
  instrument_id?: string | null
  received_at?: Date
}

/** A verified callback to acknowledge (see `acceptCallbacks`). */
export type AcceptedCallbackInput = {
  provider_id: string
  lookup: { pspReference: string } | { merchantReference: string }
  /** null: an identity-less ping, which only asks for a sync */
  dedup_key: string | null
  verified: boolean
  /** Already redacted by the caller: no secrets, no personal data. */
  payload: Record<string, unknown>
  source: string
  /** the movement the callback announces (CallbackHint.pspActionId): one the ledger settled from the PSP's answer asks for no sync */
  psp_action_id?: string | null
  received_at?: Date
}

export type AcceptedCallback = { instrument_id: string; duplicate: boolean; syncStarted: boolean }

/** Why an order is on hold, as the instrument says: the PSP holds it, it is not safe to ship yet, or only part of it is authorized. */
export type HoldReason = "psp_on_hold" | "not_safe_to_ship" | "partly_paid"

export interface AttentionInstrument {
  id: string
  provider_id: string
  psp_reference: string | null
  payment_id: string | null
  currency_code: string
  amount: string
  authorized_amount: string
  psp_status: string | null
  psp_state: string | null
  reconcile_issue: string | null
  /** ISO time (the page comes back as JSON) */
  updated_at: string
}

export interface AttentionOperation {
  id: string
  instrument_id: string
  kind: string
  idempotency_key: string
  status: "unknown" | "lapsed"
  amount: string
  attempts: number
  error: OperationError | null
  psp_operation_ids: string[] | null
  created_at: string
  updated_at: string
  provider_id: string
  psp_reference: string | null
  currency_code: string
}

export interface RejectedCallbacks {
  provider_id: string
  reason: string
  count: number
  first_hour: string
  last_seen_at: string
}

/** One page of each category, and how many there are in all. */
export interface PaymentAttention {
  on_hold: { count: number; rows: Array<AttentionInstrument & { hold_reason: HoldReason }> }
  operations: { count: number; rows: AttentionOperation[] }
  reconcile_issues: { count: number; rows: AttentionInstrument[] }
  rejected_callbacks: { count: number; rows: RejectedCallbacks[] }
}

/** What a rejection is counted under: known reasons only, so that no request can add rows of its own choosing. */
const REJECTION_REASON = /^[a-z0-9_]{1,40}$/
/** A provider nobody registered is counted as this one (its name comes from the URL: anyone picks it). */
export const UNKNOWN_CALLBACK_PROVIDER = "unknown"

export interface InstrumentWithHistory {
  instrument: PaymentInstrumentRecord
  operations: PaymentOperationRecord[]
  callbacks: PaymentCallbackRecord[]
  ledger: InstrumentLedger
}

const LOCK_TIMEOUT = "5s"

/** `medusa_record_id` while a recorder is asking Medusa to record the operation. */
export const RECORDING = "recording"

/** A recorder that has not finished after this long has crashed: its reservation is taken over. */
export const RECORDING_STALE_AFTER_SECONDS = 300

/**
 * Persistence for instruments, their write-ahead operations and the callback inbox.
 *
 * Every method that moves money runs in one transaction holding the instrument row lock
 * (`SELECT … FOR UPDATE`), rebuilds the pure ledger from the rows, lets the ledger decide, and
 * writes the ledger's result back; so stored amounts always equal the ledger's and concurrent
 * calls on one instrument are serialized. Inserts keyed by a unique business key
 * (session id, idempotency key, callback dedup key) use `INSERT … ON CONFLICT DO NOTHING`, so
 * concurrent duplicates never error: they get the row that won.
 *
 * Ledger rule violations surface as the ledger's typed errors (OverCaptureError,
 * InstrumentClosedError…, all `LedgerError`); a missing row is a MedusaError NOT_FOUND.
 */
export default class PaymentLedgerModuleService extends MedusaService({
  PaymentInstrument,
  PaymentOperation,
  PaymentCallback,
  PaymentSyncRequest,
  PaymentCallbackRejection,
}) {
  private readonly policy: LifecyclePolicy

  constructor(cradle: Record<string, unknown>, options?: Record<string, unknown>) {
    // eslint-disable-next-line prefer-rest-params
    super(...(arguments as unknown as [Record<string, unknown>]))
    // the plugin's options (a plugin's modules receive them), validated at boot
    this.policy = parseLifecyclePolicy(options)
  }

  /** When money moves: the plugin's lifecycle options, with defaults. */
  lifecyclePolicy(): LifecyclePolicy {
    return this.policy
  }
  /**
   * Opens the instrument of a Medusa payment session, or returns the one already opened for it
   * (idempotent per `payment_session_id`; a repeated call's body is ignored).
   */
  @InjectTransactionManager()
  async openInstrument(
    input: OpenInstrumentInput,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{ instrument: PaymentInstrumentRecord; created: boolean }> {
    const knex = transaction(sharedContext)
    const ledger = openLedger({ currency: input.currency_code, origin: input.origin, amount: input.amount, lines: input.lines })
    const { rows } = await knex.raw<{ rows: PaymentInstrumentRecord[] }>(
      `INSERT INTO payment_instrument (id, provider_id, psp_reference, payment_session_id, merchant_reference, payment_id, currency_code, origin,
         state, amount, authorized_amount, captured_amount, refunded_amount, canceled_amount, closed, lines,
         psp_status, psp_status_history, metadata)
       VALUES (:id, :provider_id, :psp_reference, :payment_session_id, :merchant_reference, :payment_id, :currency_code, :origin,
         :state, :amount, :authorized_amount, :captured_amount, :refunded_amount, :canceled_amount, :closed, :lines::jsonb,
         NULL, '[]'::jsonb, :metadata::jsonb)
       ON CONFLICT (payment_session_id) WHERE deleted_at IS NULL DO NOTHING
       RETURNING *`,
      {
        id: generateEntityId(undefined, "pinst"),
        provider_id: input.provider_id,
        psp_reference: input.psp_reference ?? null,
        payment_session_id: input.payment_session_id,
        merchant_reference: input.merchant_reference ?? null,
        payment_id: input.payment_id ?? null,
        currency_code: ledger.currency,
        origin: ledger.origin,
        ...jsonColumns(instrumentColumns(ledger), ["lines"]),
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
      }
    )
    if (rows[0]) {
      return { instrument: rows[0], created: true }
    }
    const existing = await knex<PaymentInstrumentRecord>("payment_instrument")
      .where({ payment_session_id: input.payment_session_id })
      .whereNull("deleted_at")
      .first()
    return { instrument: found(existing, "payment instrument for session", input.payment_session_id), created: false }
  }

  /** Sets the Medusa payment id and/or the PSP reference once they are known. */
  @InjectTransactionManager()
  async setInstrumentReferences(
    instrumentId: string,
    references: { payment_id?: string | null; psp_reference?: string | null },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentInstrumentRecord> {
    const knex = transaction(sharedContext)
    const changes = Object.fromEntries(Object.entries(references).filter(([, value]) => value !== undefined))
    const [row] = await knex<PaymentInstrumentRecord>("payment_instrument")
      .where({ id: instrumentId })
      .whereNull("deleted_at")
      .update({ ...changes, updated_at: knex.fn.now() } as never)
      .returning("*")
    return found(row, "payment instrument", instrumentId)
  }

  /**
   * Write-ahead step before a PSP call: checks the request against the ledger (holds of operations
   * in flight included) and inserts the operation as `requested`, leased to `lease.owner` for
   * `lease.seconds`: the caller, and nobody else, calls the PSP for it now. A repeated key returns
   * the existing row untouched (`created: false`), whatever the body says: the caller settles it
   * (src/settlement). A key known for another instrument or another kind is a conflict.
   */
  @InjectTransactionManager()
  async beginOperation(
    instrumentId: string,
    input: BeginOperationInput,
    lease: OperationLease,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{ operation: PaymentOperationRecord; created: boolean }> {
    const knex = transaction(sharedContext)
    const instrument = await lockInstrument(knex, instrumentId)
    const existing = await operationByKey(knex, input.idempotency_key)
    if (existing) {
      return { operation: replayOperation(existing, instrument.id, input.kind), created: false }
    }
    const operations = await operationsOf(knex, instrument.id)
    const { operation } = beginLedgerOperation(ledgerFromRecords(instrument, operations), {
      key: input.idempotency_key,
      kind: input.kind,
      amount: input.amount,
      lines: input.lines,
    })
    const { rows } = await knex.raw<{ rows: PaymentOperationRecord[] }>(
      `INSERT INTO payment_operation (id, instrument_id, kind, effect, idempotency_key, amount, lines, status, attempts, origin,
         medusa_record_id, tender_id, lease_owner, lease_expires_at)
       VALUES (:id, :instrument_id, :kind, :effect, :idempotency_key, :amount, :lines::jsonb, 'requested', 1, :origin,
         :medusa_record_id, :tender_id, :lease_owner, now() + make_interval(secs => :lease_seconds))
       ON CONFLICT (idempotency_key) WHERE deleted_at IS NULL DO NOTHING
       RETURNING *`,
      {
        id: generateEntityId(undefined, "pop"),
        instrument_id: instrument.id,
        kind: operation.kind,
        effect: operation.effect,
        idempotency_key: operation.key,
        amount: operation.amount.toString(),
        lines: JSON.stringify(operationLinesToStored(operation.lines)),
        origin: input.origin ?? null,
        medusa_record_id: input.medusa_record_id ?? null,
        tender_id: input.tender_id ?? null,
        lease_owner: lease.owner,
        lease_seconds: lease.seconds,
      }
    )
    if (rows[0]) {
      return { operation: rows[0], created: true }
    }
    // The same key was inserted concurrently for another instrument (this one is locked).
    const winner = found(await operationByKey(knex, input.idempotency_key), "payment operation", input.idempotency_key)
    return { operation: replayOperation(winner, instrument.id, input.kind), created: false }
  }

  /**
   * Takes the lease of an open operation whose outcome is unknown, or whose previous lease ran out
   * (its worker crashed or hung), so that exactly one worker reads the PSP's record and, if the
   * PSP proves the operation absent, sends it again. Null when someone else holds a live lease or
   * the operation is no longer `requested`/`unknown`. Counts one attempt.
   */
  @InjectTransactionManager()
  async acquireLease(
    idempotencyKey: string,
    lease: OperationLease,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentOperationRecord | null> {
    const knex = transaction(sharedContext)
    const { rows } = await knex.raw<{ rows: PaymentOperationRecord[] }>(
      `UPDATE payment_operation
          SET lease_owner = :owner, lease_expires_at = now() + make_interval(secs => :seconds),
              attempts = attempts + 1, updated_at = now()
        WHERE idempotency_key = :key AND deleted_at IS NULL
          AND status IN ('requested', 'unknown')
          AND (lease_expires_at IS NULL OR lease_expires_at < now() OR lease_owner = :owner)
       RETURNING *`,
      { owner: lease.owner, seconds: lease.seconds, key: idempotencyKey }
    )
    return rows[0] ?? null
  }

  /**
   * The outcome is unknown (timeout, 5xx, rate limited): the hold stays, the lease is released, and
   * the operation waits for a read of the PSP's record. Only the lease holder may say so.
   */
  @InjectTransactionManager()
  async markOperationUnknown(
    idempotencyKey: string,
    details: { owner: string; error: OperationError },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentOperationRecord> {
    const knex = transaction(sharedContext)
    const operation = await lockedOperation(knex, idempotencyKey)
    // a first send is `requested`; a re-send after a lost answer stays `unknown` while its holder calls
    if ((operation.status !== "requested" && operation.status !== "unknown") || operation.lease_owner !== details.owner) {
      return operation
    }
    return updateOperation(knex, operation.id, {
      status: "unknown",
      lease_owner: null,
      lease_expires_at: null,
      error: JSON.stringify(details.error),
    })
  }

  /** The PSP acknowledged the operation and confirms it later: the hold stays until it does. */
  @InjectTransactionManager()
  async acceptOperation(
    idempotencyKey: string,
    details: OperationPspIds = {},
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentOperationRecord> {
    const knex = transaction(sharedContext)
    const operation = await lockedOperation(knex, idempotencyKey)
    if (!isOpenOperation(operation)) {
      return operation
    }
    return updateOperation(knex, operation.id, {
      status: "accepted",
      lease_owner: null,
      lease_expires_at: null,
      error: null,
      ...pspIds(operation, details),
    })
  }

  /**
   * The PSP confirmed the operation: it is settled in the ledger and the instrument's amounts,
   * lines and state are rewritten from it. Idempotent; completing a failed operation throws.
   */
  @InjectTransactionManager()
  async completeOperation(
    idempotencyKey: string,
    details: OperationPspIds = {},
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{ operation: PaymentOperationRecord; instrument: PaymentInstrumentRecord }> {
    return this.finishOperation(idempotencyKey, "succeeded", details, sharedContext)
  }

  /** The PSP refused the operation: its hold is released and the key stays failed. Idempotent. */
  @InjectTransactionManager()
  async failOperation(
    idempotencyKey: string,
    details: OperationPspIds & { error: OperationError },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentOperationRecord> {
    return (await this.finishOperation(idempotencyKey, "failed", details, sharedContext)).operation
  }

  /**
   * A capture the PSP accepted failed after the fact: its amount is no longer capturable (see
   * lapseOperation in the ledger), and the instrument carries the PSP's reason for the admin.
   */
  @InjectTransactionManager()
  async lapseOperation(
    idempotencyKey: string,
    details: OperationPspIds & { error: OperationError },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{ operation: PaymentOperationRecord; instrument: PaymentInstrumentRecord }> {
    return this.finishOperation(idempotencyKey, "lapsed", details, sharedContext)
  }

  private async finishOperation(
    idempotencyKey: string,
    status: "succeeded" | "failed" | "lapsed",
    details: OperationPspIds & { error?: OperationError },
    sharedContext: Context
  ): Promise<{ operation: PaymentOperationRecord; instrument: PaymentInstrumentRecord }> {
    const knex = transaction(sharedContext)
    const operation = await lockedOperation(knex, idempotencyKey)
    const instrument = await lockInstrument(knex, operation.instrument_id)
    if (operation.status === status) {
      return { operation, instrument }
    }
    const ledger = ledgerFromRecords(instrument, await operationsOf(knex, instrument.id))
    const transition = status === "succeeded" ? settleLedgerOperation : status === "failed" ? failLedgerOperation : lapseLedgerOperation
    const { ledger: next } = transition(ledger, idempotencyKey)
    // The stored amounts must be what the settled operations add up to, before and after.
    const violations = [...ledgerViolations(ledger), ...ledgerViolations(next)]
    if (violations.length) {
      throw new MedusaError(MedusaError.Types.UNEXPECTED_STATE, `payment instrument ${instrument.id} is inconsistent: ${violations.join("; ")}`)
    }
    const finished = await updateOperation(knex, operation.id, {
      status,
      error: details.error ? JSON.stringify(details.error) : null,
      completed_at: knex.fn.now(),
      lease_owner: null,
      lease_expires_at: null,
      ...pspIds(operation, details),
    })
    const [updated] = await knex<PaymentInstrumentRecord>("payment_instrument")
      .where({ id: instrument.id })
      .update({
        ...jsonColumns(instrumentColumns(next), ["lines"]),
        ...(status === "lapsed" && details.error
          ? { reconcile_issue: `${operation.kind} ${operation.idempotency_key} lapsed: ${details.error.message}` }
          : {}),
        updated_at: knex.fn.now(),
      } as never)
      .returning("*")
    return { operation: finished, instrument: updated }
  }

  /**
   * A movement the PSP made on its own (a gift card captured at authorization, a refund from the
   * PSP's back office), recorded as a succeeded operation under a key derived from the PSP's id:
   * adopting it again is a no-op. Refused by the ledger like any operation when it does not fit.
   */
  @InjectTransactionManager()
  async adoptOperation(
    instrumentId: string,
    input: BeginOperationInput & { psp_operation_ids: string[] },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{ operation: PaymentOperationRecord; created: boolean }> {
    const begun = await this.beginOperation(instrumentId, input, { owner: "adoption", seconds: 60 }, sharedContext)
    if (!begun.created) {
      return begun
    }
    const { operation } = await this.finishOperation(input.idempotency_key, "succeeded", { psp_operation_ids: input.psp_operation_ids }, sharedContext)
    return { operation, created: true }
  }

  /**
   * The acknowledgement of a verified callback. Concurrent acknowledgements of this process are
   * written together (group commit, `acceptCallbacks`): one statement and one commit for all the
   * callbacks that arrived while the previous batch was being written, none waiting for a timer.
   */
  async acceptCallback(input: AcceptedCallbackInput): Promise<AcceptedCallback | null> {
    return this.callbackAcceptance(input)
  }

  private readonly callbackAcceptance = groupCommit((inputs: AcceptedCallbackInput[]) => this.acceptCallbacks(inputs))

  /**
   * Acknowledges callbacks in one statement (one round trip, no transaction held open). For each:
   * finds the payment it names, stores the delivery once per (provider, dedup key) through the
   * partial unique index (its cost does not grow with the inbox), and asks for one sync of the
   * payment (coalesced: payment_sync_request, whose generation counts the hints). Null for a
   * callback no payment of its provider has the reference of: nothing is stored. `syncStarted`:
   * no sync was waiting, this callback's caller starts one. Rows are written in key order, so
   * concurrent batches (several processes) lock them in the same order.
   */
  @InjectManager()
  async acceptCallbacks(inputs: AcceptedCallbackInput[], @MedusaContext() sharedContext: Context = {}): Promise<(AcceptedCallback | null)[]> {
    if (!inputs.length) {
      return []
    }
    const callbackIds = batchEntityIds("pcb", inputs.length)
    const syncIds = batchEntityIds("psync", inputs.length)
    const rows = inputs.map((input, n) => ({
      n,
      provider_id: input.provider_id,
      by_merchant_reference: !("pspReference" in input.lookup),
      reference: "pspReference" in input.lookup ? input.lookup.pspReference : input.lookup.merchantReference,
      callback_id: callbackIds[n],
      dedup_key: input.dedup_key,
      verified: input.verified,
      received_at: (input.received_at ?? new Date()).toISOString(),
      // the movement it names, for the sync that checks whether every hint it answers is explained
      payload: input.psp_action_id ? { ...input.payload, psp_action_id: input.psp_action_id } : input.payload,
      sync_id: syncIds[n],
      source: input.source,
      psp_action_id: input.psp_action_id ?? null,
    }))
    const { rows: results } = await connection(sharedContext).raw<{ rows: { n: number; instrument_id: string | null; stored: boolean; sync_started: boolean }[] }>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset(:rows::jsonb) AS input(
           n int, provider_id text, by_merchant_reference boolean, reference text, callback_id text, dedup_key text,
           verified boolean, received_at timestamptz, payload jsonb, sync_id text, source text, psp_action_id text)
       ), matched AS (
         SELECT input.*, instrument.id AS instrument_id, instrument.psp_reference AS instrument_psp_reference,
                (input.psp_action_id IS NOT NULL AND EXISTS (
                  SELECT 1 FROM payment_operation
                   WHERE payment_operation.instrument_id = instrument.id AND payment_operation.deleted_at IS NULL
                     AND payment_operation.status IN ('succeeded', 'failed', 'lapsed')
                     AND jsonb_exists(COALESCE(payment_operation.psp_operation_ids, '[]'::jsonb), input.psp_action_id))) AS known
           FROM input
           JOIN LATERAL (
             (SELECT id, psp_reference FROM payment_instrument
               WHERE NOT input.by_merchant_reference AND provider_id = input.provider_id AND psp_reference = input.reference AND deleted_at IS NULL
               LIMIT 1)
             UNION ALL
             (SELECT id, psp_reference FROM payment_instrument
               WHERE input.by_merchant_reference AND provider_id = input.provider_id AND merchant_reference = input.reference AND deleted_at IS NULL
               LIMIT 1)
             LIMIT 1
           ) instrument ON true
       ), stored AS (
         INSERT INTO payment_callback (id, provider_id, dedup_key, psp_reference, verified, received_at, payload, instrument_id, processed_at, outcome)
         SELECT callback_id, provider_id, dedup_key, instrument_psp_reference, verified, received_at, payload, instrument_id,
                CASE WHEN known THEN now() END, CASE WHEN known THEN 'no_change: movement already settled' END
           FROM matched WHERE dedup_key IS NOT NULL
          ORDER BY provider_id, dedup_key, n
         ON CONFLICT (provider_id, dedup_key) WHERE deleted_at IS NULL DO NOTHING
         RETURNING id
       ), wanted AS (
         SELECT instrument_id, count(*)::int AS hints, min(n) AS first_n,
                (array_agg(sync_id ORDER BY n))[1] AS sync_id, (array_agg(source ORDER BY n DESC))[1] AS source
           FROM matched WHERE NOT known GROUP BY instrument_id
       ), requested AS (
         INSERT INTO payment_sync_request (id, instrument_id, requested_at, source, generation)
         SELECT sync_id, instrument_id, clock_timestamp(), source, hints FROM wanted ORDER BY instrument_id
         ON CONFLICT (instrument_id) WHERE deleted_at IS NULL
         DO UPDATE SET requested_at = clock_timestamp(), generation = payment_sync_request.generation + excluded.generation,
                       source = excluded.source, updated_at = now()
         RETURNING instrument_id, (xmax = 0) AS inserted
       )
       SELECT input.n, matched.instrument_id,
              EXISTS (SELECT 1 FROM stored WHERE stored.id = matched.callback_id) AS stored,
              COALESCE(wanted.first_n = input.n AND (SELECT inserted FROM requested WHERE requested.instrument_id = matched.instrument_id), false) AS sync_started
         FROM input
         LEFT JOIN matched ON matched.n = input.n
         LEFT JOIN wanted ON wanted.instrument_id = matched.instrument_id
        ORDER BY input.n`,
      { rows: JSON.stringify(rows) }
    )
    const byIndex = new Map(results.map((result) => [Number(result.n), result]))
    return inputs.map((input, n) => {
      const row = byIndex.get(n)
      if (!row?.instrument_id) {
        return null
      }
      return { instrument_id: row.instrument_id, duplicate: input.dedup_key !== null && !row.stored, syncStarted: Boolean(row.sync_started) }
    })
  }

  /**
   * Stores a callback in the inbox once per `dedup_key`. A repeated key returns the stored row
   * with `duplicate: true` and changes nothing.
   */
  @InjectTransactionManager()
  async recordCallback(
    input: RecordCallbackInput,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{ callback: PaymentCallbackRecord; duplicate: boolean }> {
    const knex = transaction(sharedContext)
    const { rows } = await knex.raw<{ rows: PaymentCallbackRecord[] }>(
      `INSERT INTO payment_callback (id, provider_id, dedup_key, psp_reference, verified, received_at, payload, instrument_id)
       VALUES (:id, :provider_id, :dedup_key, :psp_reference, :verified, :received_at, :payload::jsonb, :instrument_id)
       ON CONFLICT (provider_id, dedup_key) WHERE deleted_at IS NULL DO NOTHING
       RETURNING *`,
      {
        id: generateEntityId(undefined, "pcb"),
        provider_id: input.provider_id,
        dedup_key: input.dedup_key,
        psp_reference: input.psp_reference ?? null,
        verified: input.verified,
        received_at: input.received_at ?? new Date(),
        payload: JSON.stringify(input.payload),
        instrument_id: input.instrument_id ?? null,
      }
    )
    if (rows[0]) {
      return { callback: rows[0], duplicate: false }
    }
    const existing = await knex<PaymentCallbackRecord>("payment_callback")
      .where({ provider_id: input.provider_id, dedup_key: input.dedup_key })
      .whereNull("deleted_at")
      .first()
    return { callback: found(existing, "payment callback", input.dedup_key), duplicate: true }
  }

  /**
   * Appends a PSP status to the instrument's history and makes it the current `psp_status`
   * (a status equal to the latest one is not appended again: callbacks repeat). With `state`, the
   * payment was read from the PSP: its state and the time of the read are kept for the poller.
   */
  @InjectTransactionManager()
  async appendPspStatus(
    instrumentId: string,
    entry: {
      status: string
      source: string
      state?: string
      at?: Date
      /** the PSP's ship gate (PspPayment.safeToShip): the reconcile job re-reads `false` ones */
      safe_to_ship?: boolean
      /** the PSP payment's tenders as last read (amounts as minor-unit strings), for the admin */
      psp_tenders?: { id: string; method: string; authorized: string; captured: string; refunded: string; captured_at_authorization: boolean }[]
    },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<void> {
    const knex = transaction(sharedContext)
    const appended: PspStatusEntry = { status: entry.status, source: entry.source, at: (entry.at ?? new Date()).toISOString() }
    // one statement, no row lock held across round trips
    await knex.raw(
      `UPDATE payment_instrument
          SET psp_status = :status,
              psp_status_history = CASE WHEN psp_status IS DISTINCT FROM :status
                                        THEN psp_status_history || :entry::jsonb ELSE psp_status_history END,
              psp_state = COALESCE(:state, psp_state),
              last_synced_at = CASE WHEN :state::text IS NULL THEN last_synced_at ELSE now() END,
              metadata = CASE WHEN :read::jsonb IS NULL THEN metadata ELSE COALESCE(metadata, '{}'::jsonb) || :read::jsonb END,
              updated_at = now()
        WHERE id = :id AND deleted_at IS NULL`,
      { id: instrumentId, status: entry.status, entry: JSON.stringify([appended]), state: entry.state ?? null, read: readOf(entry) }
    )
  }

  /**
   * Asks for one sync of the instrument with its PSP. True when no request was waiting (the
   * caller starts one); false when one is, which then covers this hint too.
   */
  @InjectTransactionManager()
  async requestSync(instrumentId: string, source: string, @MedusaContext() sharedContext: Context = {}): Promise<boolean> {
    const knex = transaction(sharedContext)
    const { rows } = await knex.raw<{ rows: { inserted: boolean }[] }>(
      `INSERT INTO payment_sync_request (id, instrument_id, requested_at, source)
       VALUES (:id, :instrument_id, clock_timestamp(), :source)
       ON CONFLICT (instrument_id) WHERE deleted_at IS NULL
       DO UPDATE SET requested_at = clock_timestamp(), generation = payment_sync_request.generation + 1,
                     source = excluded.source, updated_at = now()
       RETURNING (xmax = 0) AS inserted`,
      { id: generateEntityId(undefined, "psync"), instrument_id: instrumentId, source }
    )
    return Boolean(rows[0]?.inserted)
  }

  /** The generation of the sync request waiting for the instrument (how many hints it stands for); null when none waits. */
  @InjectManager()
  async syncRequestGeneration(instrumentId: string, @MedusaContext() sharedContext: Context = {}): Promise<number | null> {
    const row = await connection(sharedContext)("payment_sync_request").where({ instrument_id: instrumentId }).whereNull("deleted_at").first()
    return row ? Number(row.generation) : null
  }

  /**
   * The sync request waiting for the instrument: its generation, when the last hint asked (epoch
   * ms) and how long ago by the database's clock (for the quiet window before a read). Null when none waits.
   */
  @InjectManager()
  async syncRequestState(
    instrumentId: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{ generation: number; requestedAt: number; quietForMs: number } | null> {
    const { rows } = await connection(sharedContext).raw<{ rows: { generation: number; requested_at: Date; quiet_ms: number }[] }>(
      `SELECT generation, requested_at, (extract(epoch FROM clock_timestamp() - requested_at) * 1000)::float8 AS quiet_ms
         FROM payment_sync_request WHERE instrument_id = :id AND deleted_at IS NULL`,
      { id: instrumentId }
    )
    const row = rows[0]
    return row ? { generation: Number(row.generation), requestedAt: new Date(row.requested_at).getTime(), quietForMs: Number(row.quiet_ms) } : null
  }

  /** The movements (PSP action ids) the instrument's unprocessed callbacks name; null for one that names none. */
  @InjectManager()
  async unprocessedCallbackActions(instrumentId: string, @MedusaContext() sharedContext: Context = {}): Promise<(string | null)[]> {
    const rows = await connection(sharedContext)("payment_callback")
      .select(connection(sharedContext).raw("payload->>'psp_action_id' AS action_id"))
      .where({ instrument_id: instrumentId })
      .whereNull("processed_at")
      .whereNull("deleted_at")
    return rows.map((row: { action_id: string | null }) => row.action_id ?? null)
  }

  /**
   * The end of a sync, in one transaction: the callbacks received before `before` are processed
   * with `outcome`; `fingerprint` (the PSP read it applied in full, null: not in full) is kept for
   * the next sync's quick "no change" check; the request answered at `generation` is removed unless
   * a hint renewed it. True when one did: the caller syncs once more.
   */
  @InjectTransactionManager()
  async completeSync(
    instrumentId: string,
    input: { before: Date; outcome: string; generation: number | null; fingerprint: string | null },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<boolean> {
    const knex = transaction(sharedContext)
    await this.markCallbacksProcessed(instrumentId, input.before, input.outcome, sharedContext)
    if (input.fingerprint) {
      await knex.raw(
        `UPDATE payment_instrument SET metadata = COALESCE(metadata, '{}'::jsonb) || jsonb_build_object('psp_fingerprint', :fingerprint::text)
          WHERE id = :id AND deleted_at IS NULL AND (metadata->>'psp_fingerprint') IS DISTINCT FROM :fingerprint::text`,
        { id: instrumentId, fingerprint: input.fingerprint }
      )
    }
    return input.generation !== null ? this.finishSync(instrumentId, input.generation, sharedContext) : false
  }

  /**
   * A sync that answered the request as it stood at `generation` is done: the request is removed
   * unless another hint renewed it meanwhile. True when one did: the caller syncs once more.
   */
  @InjectTransactionManager()
  async finishSync(instrumentId: string, generation: number, @MedusaContext() sharedContext: Context = {}): Promise<boolean> {
    const knex = transaction(sharedContext)
    await knex("payment_sync_request").where({ instrument_id: instrumentId }).where("generation", "<=", generation).delete()
    const waiting = await knex("payment_sync_request").where({ instrument_id: instrumentId }).whereNull("deleted_at").first()
    return Boolean(waiting)
  }

  /** The callbacks of an instrument received before `before` and not processed yet are processed, with this outcome. */
  @InjectTransactionManager()
  async markCallbacksProcessed(
    instrumentId: string,
    before: Date,
    outcome: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<number> {
    const knex = transaction(sharedContext)
    return knex("payment_callback")
      .where({ instrument_id: instrumentId })
      .whereNull("processed_at")
      .whereNull("deleted_at")
      .where("received_at", "<=", before)
      .update({ outcome, processed_at: knex.fn.now(), updated_at: knex.fn.now() })
  }

  /** The instrument, its operations (oldest first) and the ledger they stand for: what settling needs. */
  @InjectManager()
  async getInstrumentLedger(
    instrumentId: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<Omit<InstrumentWithHistory, "callbacks">> {
    const knex = connection(sharedContext)
    const instrument = found(
      await knex<PaymentInstrumentRecord>("payment_instrument").where({ id: instrumentId }).whereNull("deleted_at").first(),
      "payment instrument",
      instrumentId
    )
    const operations = await operationsOf(knex, instrumentId)
    return { instrument, operations, ledger: ledgerFromRecords(instrument, operations) }
  }

  /** The instrument, its operations (oldest first), its callbacks and the ledger they stand for: the admin's view. */
  @InjectManager()
  async getInstrumentWithHistory(
    instrumentId: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<InstrumentWithHistory> {
    const knex = connection(sharedContext)
    const { instrument, operations, ledger } = await this.getInstrumentLedger(instrumentId, sharedContext)
    const callbacks = await knex<PaymentCallbackRecord>("payment_callback")
      .where({ instrument_id: instrumentId })
      .whereNull("deleted_at")
      .orderBy([{ column: "received_at" }, { column: "id" }])
    return { instrument, operations, callbacks, ledger }
  }

  /**
   * Ties a succeeded capture or refund to the Medusa Capture/Refund that records it. With
   * `operationKey`, that operation; without, the oldest unrecorded succeeded operation of `kind` and
   * `amount` on the instrument (a PSP movement the plugin made first, now being recorded by Medusa).
   * Atomic: two concurrent claims never take the same operation. Returns null when none fits; a
   * repeated claim by the same Medusa record returns its operation again.
   */
  @InjectTransactionManager()
  async claimOperationForMedusaRecord(
    input: { instrument_id: string; kind: OperationKind; amount: MinorUnits; medusa_record_id: string; operation_key?: string },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentOperationRecord | null> {
    const knex = transaction(sharedContext)
    const already = await knex<PaymentOperationRecord>("payment_operation")
      .where({ instrument_id: input.instrument_id, medusa_record_id: input.medusa_record_id })
      .whereNull("deleted_at")
      .first()
    if (already) {
      return already
    }
    const candidate = knex<PaymentOperationRecord>("payment_operation")
      .select("id")
      .where({ instrument_id: input.instrument_id, kind: input.kind, status: "succeeded" })
      .where((unrecorded) => unrecorded.whereNull("medusa_record_id").orWhere("medusa_record_id", RECORDING))
      .whereNull("deleted_at")
      // the one being recorded right now first, then the oldest
      .orderByRaw(`(medusa_record_id = '${RECORDING}') DESC NULLS LAST, completed_at, id`)
      .limit(1)
      // wait for a concurrent claimer rather than skip its row: a skipped row looked unclaimable
      // and made the caller capture again at the PSP
      .forUpdate()
    if (input.operation_key) {
      candidate.where({ idempotency_key: input.operation_key })
    } else {
      candidate.where({ amount: input.amount.toString() })
    }
    const [row] = await knex<PaymentOperationRecord>("payment_operation")
      .whereIn("id", candidate)
      .update({ medusa_record_id: input.medusa_record_id, updated_at: knex.fn.now() } as never)
      .returning("*")
    return row ?? null
  }

  /**
   * Marks a succeeded operation as being recorded in Medusa right now, so that one recorder at a
   * time (workflow, callback, job) asks Medusa to record it. False when it is recorded or being
   * recorded already. A reservation older than `staleAfterSeconds` was left by a crashed recorder
   * and is taken over.
   */
  @InjectTransactionManager()
  async reserveForRecording(
    operationId: string,
    staleAfterSeconds = RECORDING_STALE_AFTER_SECONDS,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<boolean> {
    const knex = transaction(sharedContext)
    const rows = await knex("payment_operation")
      .where({ id: operationId, status: "succeeded" })
      .where((open) =>
        open
          .whereNull("medusa_record_id")
          .orWhere((stale) =>
            stale.where("medusa_record_id", RECORDING).where("updated_at", "<", knex.raw("now() - make_interval(secs => ?)", [staleAfterSeconds]))
          )
      )
      .update({ medusa_record_id: RECORDING, updated_at: knex.fn.now() })
      .returning("id")
    return rows.length > 0
  }

  /** Takes back a reservation or an assignment that Medusa did not keep (its Capture/Refund was rolled back). */
  @InjectTransactionManager()
  async releaseMedusaRecord(
    input: { operation_id?: string; idempotency_key?: string; medusa_record_id: string },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<void> {
    const knex = transaction(sharedContext)
    await knex("payment_operation")
      .where({ medusa_record_id: input.medusa_record_id })
      .where(input.operation_id ? { id: input.operation_id } : { idempotency_key: input.idempotency_key })
      .update({ medusa_record_id: null, updated_at: knex.fn.now() })
  }

  /**
   * Work the reconcile job settles, each older than `olderThan`: open operations nobody holds a
   * live lease on, succeeded captures and refunds not yet recorded in Medusa, and the payments to
   * read from the PSP again.
   */
  @InjectManager()
  async listUnsettledWork(
    olderThan: Date,
    pollForHours: number,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{
    operations: PaymentOperationRecord[]
    unrecorded: PaymentOperationRecord[]
    /** assigned to a Medusa Capture/Refund and not yet found complete there: the job checks that record */
    unverified: PaymentOperationRecord[]
    /** instruments to sync with their PSP */
    syncs: string[]
  }> {
    const knex = connection(sharedContext)
    // an operation in flight under a live lease belongs to its worker; an expired lease was abandoned
    const operations = await knex<PaymentOperationRecord>("payment_operation")
      .where((open) =>
        open
          .whereIn("status", ["unknown", "accepted"])
          .orWhere((requested) => requested.where({ status: "requested" }).where((lease) => lease.whereNull("lease_expires_at").orWhere("lease_expires_at", "<", knex.fn.now())))
      )
      .where("updated_at", "<", olderThan)
      .whereNull("deleted_at")
      .orderBy("created_at")
    const unrecorded = await knex<PaymentOperationRecord>("payment_operation")
      .where({ status: "succeeded" })
      .whereIn("kind", ["capture", "refund"])
      .where((open) => open.whereNull("medusa_record_id").orWhere("medusa_record_id", RECORDING))
      .where("updated_at", "<", olderThan)
      .whereNull("deleted_at")
      .orderBy("completed_at")
    const unverified = await knex<PaymentOperationRecord>("payment_operation")
      .where({ status: "succeeded" })
      .whereIn("kind", ["capture", "refund"])
      .whereNotNull("medusa_record_id")
      .whereNot("medusa_record_id", RECORDING)
      .whereNull("medusa_verified_at")
      .where("updated_at", "<", olderThan)
      .whereNull("deleted_at")
      .orderBy("completed_at")
      .limit(500)
    // payments to read from the PSP: a sync asked for and not done (its event lost), a callback
    // never processed, and payments the PSP may still decide on (the shopper may have approved and
    // never come back, every callback dropped): polled less often as they age, for `pollForHours`
    const requested = await knex("payment_sync_request").select("instrument_id").where("requested_at", "<", olderThan).whereNull("deleted_at")
    const unprocessed = await knex("payment_callback")
      .distinct("instrument_id")
      .whereNull("processed_at")
      .whereNotNull("instrument_id")
      .where("received_at", "<", olderThan)
      .whereNull("deleted_at")
    const undecided = await knex("payment_instrument")
      .select("id as instrument_id")
      .whereNotNull("psp_reference")
      .whereNull("payment_id")
      .whereNull("deleted_at")
      .where("origin", "token")
      .where("authorized_amount", "0")
      .where((state) => state.whereNull("psp_state").orWhereIn("psp_state", ["awaiting_shopper", "held"]))
      .modify(dueForPolling, olderThan, pollForHours)
    // authorized payments the PSP does not yet call safe to ship (the order is on hold): the PSP's
    // verdict may come without a callback; polled as the undecided ones are
    const unsafe = await knex("payment_instrument")
      .select("id as instrument_id")
      .whereNotNull("psp_reference")
      .whereNull("deleted_at")
      .where("closed", false)
      .whereIn("psp_state", ["authorized", "captured"])
      .whereRaw("(metadata->>'safe_to_ship') = 'false'")
      .modify(dueForPolling, olderThan, pollForHours)
    const syncs = [...new Set([...requested, ...unprocessed, ...undecided, ...unsafe].map((row: { instrument_id: string }) => row.instrument_id))]
    return { operations, unrecorded, unverified, syncs }
  }

  /**
   * Counts one rejected callback under (provider, reason, this hour): one indexed upsert, never a
   * read of the PSP, so a forged flood costs little and adds at most one row per reason and hour.
   */
  @InjectManager()
  async countRejectedCallback(input: { provider_id: string; reason: string; known_provider: boolean }, @MedusaContext() sharedContext: Context = {}): Promise<void> {
    const reason = REJECTION_REASON.test(input.reason) ? input.reason : "other"
    const providerId = input.known_provider ? input.provider_id.slice(0, 64) : UNKNOWN_CALLBACK_PROVIDER
    await connection(sharedContext).raw(
      `INSERT INTO payment_callback_rejection (id, provider_id, reason, hour, count, last_seen_at)
       VALUES (:id, :provider_id, :reason, date_trunc('hour', now()), 1, now())
       ON CONFLICT (provider_id, reason, hour) WHERE deleted_at IS NULL
       DO UPDATE SET count = payment_callback_rejection.count + 1, last_seen_at = now(), updated_at = now()`,
      { id: generateEntityId(undefined, "pcbr"), provider_id: providerId, reason }
    )
  }

  /**
   * What needs a person across the store, one query per category, each paginated by `limit` and
   * `offset` (newest first): instruments that hold their order (the PSP holds the payment, it is
   * not safe to ship, or only partly authorized), operations whose outcome is unknown or that
   * lapsed, open reconcile issues, and callbacks rejected since `rejectedSince`.
   */
  @InjectManager()
  async listPaymentAttention(
    pageArgs: { limit: number; offset: number; rejectedSince: Date },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentAttention> {
    const knex = connection(sharedContext)
    const instrumentFields = `i.id, i.provider_id, i.psp_reference, i.payment_id, i.currency_code, i.amount, i.authorized_amount,
      i.psp_status, i.psp_state, i.reconcile_issue, i.updated_at`
    /** One statement per category: the total count, and the page newest first (the count holds for a page past the end too). */
    const page = async <T>(matching: string, newestFirst: string, bindings: Record<string, unknown> = {}): Promise<{ count: number; rows: T[] }> => {
      const { rows } = await knex.raw<{ rows: { count: number; rows: T[] }[] }>(
        `WITH matched AS (${matching})
         SELECT (SELECT count(*) FROM matched)::int AS count,
                COALESCE((SELECT json_agg(p ORDER BY p.${newestFirst} DESC)
                            FROM (SELECT * FROM matched ORDER BY ${newestFirst} DESC LIMIT :limit OFFSET :offset) p), '[]'::json) AS rows`,
        { ...bindings, limit: pageArgs.limit, offset: pageArgs.offset }
      )
      return rows[0]
    }
    const onHold = await page<AttentionInstrument & { hold_reason: HoldReason }>(
      `SELECT ${instrumentFields},
              CASE WHEN i.psp_state = 'held' THEN 'psp_on_hold'
                   WHEN i.metadata->>'safe_to_ship' = 'false' THEN 'not_safe_to_ship'
                   ELSE 'partly_paid' END AS hold_reason
         FROM payment_instrument i
        WHERE i.deleted_at IS NULL AND i.closed = false AND i.psp_reference IS NOT NULL
          AND (i.psp_state = 'held'
               OR (i.psp_state IN ('authorized', 'captured')
                   AND (i.metadata->>'safe_to_ship' = 'false'
                        OR (i.authorized_amount::numeric > 0 AND i.authorized_amount::numeric < i.amount::numeric))))`,
      "updated_at"
    )
    const operations = await page<AttentionOperation>(
      `SELECT o.id, o.instrument_id, o.kind, o.idempotency_key, o.status, o.amount, o.attempts, o.error, o.psp_operation_ids,
              o.created_at, o.updated_at, i.provider_id, i.psp_reference, i.currency_code
         FROM payment_operation o
         JOIN payment_instrument i ON i.id = o.instrument_id
        WHERE o.status IN ('unknown', 'lapsed') AND o.deleted_at IS NULL`,
      "updated_at"
    )
    const reconcileIssues = await page<AttentionInstrument>(
      `SELECT ${instrumentFields}
         FROM payment_instrument i
        WHERE i.deleted_at IS NULL AND i.reconcile_issue IS NOT NULL`,
      "updated_at"
    )
    const rejectedCallbacks = await page<RejectedCallbacks>(
      `SELECT provider_id, reason, sum(count)::int AS count, min(hour) AS first_hour, max(last_seen_at) AS last_seen_at
         FROM payment_callback_rejection
        WHERE hour >= date_trunc('hour', :since::timestamptz) AND deleted_at IS NULL
        GROUP BY provider_id, reason`,
      "last_seen_at",
      { since: pageArgs.rejectedSince.toISOString() }
    )
    return { on_hold: onHold, operations, reconcile_issues: reconcileIssues, rejected_callbacks: rejectedCallbacks }
  }

  /** The instrument opened for a Medusa payment session, if any. */
  @InjectManager()
  async findInstrumentBySession(
    paymentSessionId: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentInstrumentRecord | null> {
    const row = await connection(sharedContext)<PaymentInstrumentRecord>("payment_instrument")
      .where({ payment_session_id: paymentSessionId })
      .whereNull("deleted_at")
      .first()
    return row ?? null
  }

  /** The reconcile job found the Medusa record of these operations complete. */
  @InjectTransactionManager()
  async markMedusaVerified(operationIds: string[], @MedusaContext() sharedContext: Context = {}): Promise<void> {
    if (operationIds.length) {
      const knex = transaction(sharedContext)
      await knex("payment_operation").whereIn("id", operationIds).update({ medusa_verified_at: knex.fn.now() })
    }
  }

  /** The instrument a PSP reference belongs to, for one provider, if any. */
  @InjectManager()
  async findInstrumentByPspReference(
    providerId: string,
    pspReference: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentInstrumentRecord | null> {
    const row = await connection(sharedContext)<PaymentInstrumentRecord>("payment_instrument")
      .where({ provider_id: providerId, psp_reference: pspReference })
      .whereNull("deleted_at")
      .first()
    return row ?? null
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Payments the reconcile job reads again: younger than `pollForHours`, older than the reconcile
 * delay, and not read for a tenth of their age (at least the reconcile delay); newest first.
 */
function dueForPolling(query: Knex.QueryBuilder, olderThan: Date, pollForHours: number): void {
  const delaySeconds = Math.max(1, Math.round((Date.now() - olderThan.getTime()) / 1000))
  query
    .where("created_at", ">", new Date(Date.now() - pollForHours * 3600 * 1000))
    .where("created_at", "<", olderThan)
    .where((due) =>
      due
        .whereNull("last_synced_at")
        .orWhereRaw("last_synced_at < now() - greatest(now() - created_at, ?::interval * 10) / 10", [`${delaySeconds} seconds`])
    )
    .orderBy("created_at", "desc")
    .limit(500)
}

function transaction(sharedContext: Context): Knex.Transaction {
  const trx = (sharedContext.transactionManager as SqlEntityManager | undefined)?.getTransactionContext<Knex.Transaction>()
  if (!trx) {
    // A row lock taken outside a transaction is released at once and would serialize nothing.
    throw new MedusaError(MedusaError.Types.UNEXPECTED_STATE, "payment-ledger: this method must run inside a transaction")
  }
  return trx
}

function connection(sharedContext: Context): Knex {
  const manager = (sharedContext.transactionManager ?? sharedContext.manager) as SqlEntityManager
  return manager.getTransactionContext<Knex.Transaction>() ?? manager.getKnex()
}

function found<T>(row: T | undefined | null, what: string, id: string): T {
  if (!row) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `No ${what} ${id}`)
  }
  return row
}

/** JSON columns must be serialized: knex would send a JS array as a Postgres array. */
function jsonColumns<T extends Record<string, unknown>>(columns: T, json: (keyof T)[]): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(columns).map(([name, value]) => [name, json.includes(name as keyof T) ? JSON.stringify(value) : value])
  )
}

function pspIds(operation: PaymentOperationRecord, details: OperationPspIds): Record<string, unknown> {
  const known = operation.psp_operation_ids ?? []
  const added = (details.psp_operation_ids ?? []).filter((id) => !known.includes(id))
  return added.length ? { psp_operation_ids: JSON.stringify([...known, ...added]) } : {}
}

async function lockInstrument(knex: Knex.Transaction, instrumentId: string): Promise<PaymentInstrumentRecord> {
  await knex.raw(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`)
  // NO KEY UPDATE: serializes the ledger's writers but not the inserts that only reference the
  // row (a callback stored for this payment): acknowledging a callback never waits on it
  const row = await knex<PaymentInstrumentRecord>("payment_instrument")
    .where({ id: instrumentId })
    .whereNull("deleted_at")
    .forNoKeyUpdate()
    .first()
  return found(row, "payment instrument", instrumentId)
}

function operationByKey(knex: Knex, key: string): Promise<PaymentOperationRecord | undefined> {
  return knex<PaymentOperationRecord>("payment_operation").where({ idempotency_key: key }).first()
}

/** The operation for a key, re-read after locking its instrument so its status is current. */
async function lockedOperation(knex: Knex.Transaction, key: string): Promise<PaymentOperationRecord> {
  const first = found(await operationByKey(knex, key), "payment operation", key)
  await lockInstrument(knex, first.instrument_id)
  return found(await operationByKey(knex, key), "payment operation", key)
}

function operationsOf(knex: Knex, instrumentId: string): Promise<PaymentOperationRecord[]> {
  return knex<PaymentOperationRecord>("payment_operation")
    .where({ instrument_id: instrumentId })
    .whereNull("deleted_at")
    .orderBy([{ column: "created_at" }, { column: "id" }])
}

function replayOperation(operation: PaymentOperationRecord, instrumentId: string, kind: OperationKind): PaymentOperationRecord {
  if (operation.instrument_id !== instrumentId) {
    throw new MedusaError(
      MedusaError.Types.CONFLICT,
      `Idempotency key "${operation.idempotency_key}" belongs to an operation on another instrument`
    )
  }
  if (operation.kind !== kind) {
    throw new IdempotencyKeyConflictError(operation.idempotency_key, operation.kind, kind)
  }
  return operation
}

async function updateOperation(knex: Knex.Transaction, id: string, changes: Record<string, unknown>): Promise<PaymentOperationRecord> {
  const [row] = await knex<PaymentOperationRecord>("payment_operation")
    .where({ id })
    .update({ ...changes, updated_at: knex.fn.now() } as never)
    .returning("*")
  return row
}

/** What a read of the PSP leaves in the instrument's metadata (null: nothing to merge). */
function readOf(entry: { safe_to_ship?: boolean; psp_tenders?: unknown[] }): string | null {
  const read = {
    ...(entry.safe_to_ship !== undefined ? { safe_to_ship: entry.safe_to_ship } : {}),
    ...(entry.psp_tenders !== undefined ? { psp_tenders: entry.psp_tenders } : {}),
  }
  return Object.keys(read).length ? JSON.stringify(read) : null
}
