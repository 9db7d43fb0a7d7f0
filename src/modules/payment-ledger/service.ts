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
import { PaymentCallback } from "./models/payment-callback"
import { PaymentInstrument } from "./models/payment-instrument"
import { PaymentOperation } from "./models/payment-operation"
import {
  instrumentColumns,
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
}

export interface OperationPspIds {
  psp_operation_id?: string | null
  psp_request_id?: string | null
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

export interface InstrumentWithHistory {
  instrument: PaymentInstrumentRecord
  operations: PaymentOperationRecord[]
  callbacks: PaymentCallbackRecord[]
  ledger: InstrumentLedger
}

const LOCK_TIMEOUT = "5s"

/** `medusa_record_id` while a recorder is asking Medusa to record the operation. */
export const RECORDING = "recording"

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
      `INSERT INTO payment_instrument (id, provider_id, psp_reference, payment_session_id, payment_id, currency_code, origin,
         state, amount, authorized_amount, captured_amount, refunded_amount, canceled_amount, closed, lines,
         psp_status, psp_status_history, metadata)
       VALUES (:id, :provider_id, :psp_reference, :payment_session_id, :payment_id, :currency_code, :origin,
         :state, :amount, :authorized_amount, :captured_amount, :refunded_amount, :canceled_amount, :closed, :lines::jsonb,
         NULL, '[]'::jsonb, :metadata::jsonb)
       ON CONFLICT (payment_session_id) WHERE deleted_at IS NULL DO NOTHING
       RETURNING *`,
      {
        id: generateEntityId(undefined, "pinst"),
        provider_id: input.provider_id,
        psp_reference: input.psp_reference ?? null,
        payment_session_id: input.payment_session_id,
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
   * in flight included) and inserts the operation as `requested`. A repeated key returns the
   * existing row, whatever the body says (`created: false`); a key known for another instrument
   * or another kind is an IdempotencyKeyConflictError. Each call that returns a `requested` or
   * `pending` row counts one attempt: the caller is about to call the PSP (again).
   */
  @InjectTransactionManager()
  async beginOperation(
    instrumentId: string,
    input: BeginOperationInput,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{ operation: PaymentOperationRecord; created: boolean }> {
    const knex = transaction(sharedContext)
    const instrument = await lockInstrument(knex, instrumentId)
    const existing = await operationByKey(knex, input.idempotency_key)
    if (existing) {
      return { operation: await replayOperation(knex, existing, instrument.id, input.kind), created: false }
    }
    const operations = await operationsOf(knex, instrument.id)
    const { operation } = beginLedgerOperation(ledgerFromRecords(instrument, operations), {
      key: input.idempotency_key,
      kind: input.kind,
      amount: input.amount,
      lines: input.lines,
    })
    const { rows } = await knex.raw<{ rows: PaymentOperationRecord[] }>(
      `INSERT INTO payment_operation (id, instrument_id, kind, effect, idempotency_key, amount, lines, status, attempts, origin, medusa_record_id)
       VALUES (:id, :instrument_id, :kind, :effect, :idempotency_key, :amount, :lines::jsonb, 'requested', 1, :origin, :medusa_record_id)
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
      }
    )
    if (rows[0]) {
      return { operation: rows[0], created: true }
    }
    // The same key was inserted concurrently for another instrument (this one is locked).
    const winner = found(await operationByKey(knex, input.idempotency_key), "payment operation", input.idempotency_key)
    return { operation: await replayOperation(knex, winner, instrument.id, input.kind), created: false }
  }

  /**
   * The PSP accepted the operation asynchronously, or its outcome is unknown (timeout, 5xx): the
   * hold stays until a fetch or callback settles it. No effect on a finished operation.
   */
  @InjectTransactionManager()
  async markOperationPending(
    idempotencyKey: string,
    details: OperationPspIds & { error?: OperationError | null } = {},
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentOperationRecord> {
    const knex = transaction(sharedContext)
    const operation = await lockedOperation(knex, idempotencyKey)
    if (operation.status === "succeeded" || operation.status === "failed") {
      return operation
    }
    return updateOperation(knex, operation.id, {
      status: "pending",
      ...pspIds(details),
      ...(details.error !== undefined ? { error: details.error ? JSON.stringify(details.error) : null } : {}),
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
    const knex = transaction(sharedContext)
    const operation = await lockedOperation(knex, idempotencyKey)
    const instrument = await lockInstrument(knex, operation.instrument_id)
    if (operation.status === "succeeded") {
      return { operation, instrument }
    }
    const ledger = ledgerFromRecords(instrument, await operationsOf(knex, instrument.id))
    const { ledger: settled } = settleLedgerOperation(ledger, idempotencyKey)
    // The stored amounts must be what the settled operations add up to, before and after.
    const violations = [...ledgerViolations(ledger), ...ledgerViolations(settled)]
    if (violations.length) {
      throw new MedusaError(MedusaError.Types.UNEXPECTED_STATE, `payment instrument ${instrument.id} is inconsistent: ${violations.join("; ")}`)
    }
    const completed = await updateOperation(knex, operation.id, {
      status: "succeeded",
      error: null,
      completed_at: knex.fn.now(),
      ...pspIds(details),
    })
    const [updated] = await knex<PaymentInstrumentRecord>("payment_instrument")
      .where({ id: instrument.id })
      .update({ ...jsonColumns(instrumentColumns(settled), ["lines"]), updated_at: knex.fn.now() } as never)
      .returning("*")
    return { operation: completed, instrument: updated }
  }

  /** The PSP refused the operation: its hold is released and the key stays failed. Idempotent. */
  @InjectTransactionManager()
  async failOperation(
    idempotencyKey: string,
    details: OperationPspIds & { error: OperationError },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentOperationRecord> {
    const knex = transaction(sharedContext)
    const operation = await lockedOperation(knex, idempotencyKey)
    const instrument = await lockInstrument(knex, operation.instrument_id)
    if (operation.status === "failed") {
      return operation
    }
    failLedgerOperation(ledgerFromRecords(instrument, await operationsOf(knex, instrument.id)), idempotencyKey)
    return updateOperation(knex, operation.id, {
      status: "failed",
      error: JSON.stringify(details.error),
      completed_at: knex.fn.now(),
      ...pspIds(details),
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
       ON CONFLICT (dedup_key) WHERE deleted_at IS NULL DO NOTHING
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
    const existing = await knex<PaymentCallbackRecord>("payment_callback").where({ dedup_key: input.dedup_key }).first()
    return { callback: found(existing, "payment callback", input.dedup_key), duplicate: true }
  }

  /** Records what processing a callback did. The first outcome stays: a second call changes nothing. */
  @InjectTransactionManager()
  async markCallbackProcessed(
    callbackId: string,
    result: { outcome: string; instrument_id?: string | null },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentCallbackRecord> {
    const knex = transaction(sharedContext)
    const [row] = await knex<PaymentCallbackRecord>("payment_callback")
      .where({ id: callbackId })
      .whereNull("processed_at")
      .update({
        outcome: result.outcome,
        processed_at: knex.fn.now(),
        ...(result.instrument_id ? { instrument_id: result.instrument_id } : {}),
        updated_at: knex.fn.now(),
      } as never)
      .returning("*")
    if (row) {
      return row
    }
    return found(await knex<PaymentCallbackRecord>("payment_callback").where({ id: callbackId }).first(), "payment callback", callbackId)
  }

  /**
   * Appends a PSP status to the instrument's history and makes it the current `psp_status`.
   * A status equal to the latest one is not appended again (callbacks repeat).
   */
  @InjectTransactionManager()
  async appendPspStatus(
    instrumentId: string,
    entry: { status: string; source: string; at?: Date },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<PaymentInstrumentRecord> {
    const knex = transaction(sharedContext)
    const instrument = await lockInstrument(knex, instrumentId)
    const history = instrument.psp_status_history ?? []
    if (history.at(-1)?.status === entry.status) {
      return instrument
    }
    const appended: PspStatusEntry = { status: entry.status, source: entry.source, at: (entry.at ?? new Date()).toISOString() }
    const [row] = await knex<PaymentInstrumentRecord>("payment_instrument")
      .where({ id: instrumentId })
      .update({
        psp_status: entry.status,
        psp_status_history: JSON.stringify([...history, appended]),
        updated_at: knex.fn.now(),
      } as never)
      .returning("*")
    return row
  }

  /** The instrument, its operations (oldest first), its callbacks and the ledger they stand for. */
  @InjectManager()
  async getInstrumentWithHistory(
    instrumentId: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<InstrumentWithHistory> {
    const knex = connection(sharedContext)
    const instrument = found(
      await knex<PaymentInstrumentRecord>("payment_instrument").where({ id: instrumentId }).whereNull("deleted_at").first(),
      "payment instrument",
      instrumentId
    )
    const operations = await operationsOf(knex, instrumentId)
    const callbacks = await knex<PaymentCallbackRecord>("payment_callback")
      .where({ instrument_id: instrumentId })
      .whereNull("deleted_at")
      .orderBy([{ column: "received_at" }, { column: "id" }])
    return { instrument, operations, callbacks, ledger: ledgerFromRecords(instrument, operations) }
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
      .forUpdate()
      .skipLocked()
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
   * recorded already. A reservation older than the reconcile delay counts as abandoned.
   */
  @InjectTransactionManager()
  async reserveForRecording(operationId: string, @MedusaContext() sharedContext: Context = {}): Promise<boolean> {
    const knex = transaction(sharedContext)
    const rows = await knex("payment_operation")
      .where({ id: operationId, status: "succeeded" })
      .whereNull("medusa_record_id")
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
   * Work the reconcile job settles: operations still requested/pending, succeeded captures and
   * refunds not yet recorded in Medusa, and callbacks not processed, each older than `olderThan`.
   */
  @InjectManager()
  async listUnsettledWork(
    olderThan: Date,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{
    operations: PaymentOperationRecord[]
    unrecorded: PaymentOperationRecord[]
    /** assigned to a Medusa Capture/Refund in the last day: the job checks that record still exists */
    recentlyRecorded: PaymentOperationRecord[]
    callbacks: PaymentCallbackRecord[]
  }> {
    const knex = connection(sharedContext)
    const operations = await knex<PaymentOperationRecord>("payment_operation")
      .whereIn("status", ["requested", "pending"])
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
    const recentlyRecorded = await knex<PaymentOperationRecord>("payment_operation")
      .where({ status: "succeeded" })
      .whereIn("kind", ["capture", "refund"])
      .whereNotNull("medusa_record_id")
      .whereNot("medusa_record_id", RECORDING)
      .where("updated_at", "<", olderThan)
      .where("updated_at", ">", new Date(olderThan.getTime() - 24 * 3600 * 1000))
      .whereNull("deleted_at")
    const callbacks = await knex<PaymentCallbackRecord>("payment_callback")
      .whereNull("processed_at")
      .whereNotNull("instrument_id")
      .where("received_at", "<", olderThan)
      .whereNull("deleted_at")
      .orderBy("received_at")
    return { operations, unrecorded, recentlyRecorded, callbacks }
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

function pspIds(details: OperationPspIds): Partial<OperationPspIds> {
  return Object.fromEntries(Object.entries({ psp_operation_id: details.psp_operation_id, psp_request_id: details.psp_request_id }).filter(([, v]) => v != null))
}

async function lockInstrument(knex: Knex.Transaction, instrumentId: string): Promise<PaymentInstrumentRecord> {
  await knex.raw(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`)
  const row = await knex<PaymentInstrumentRecord>("payment_instrument")
    .where({ id: instrumentId })
    .whereNull("deleted_at")
    .forUpdate()
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

async function replayOperation(
  knex: Knex.Transaction,
  operation: PaymentOperationRecord,
  instrumentId: string,
  kind: OperationKind
): Promise<PaymentOperationRecord> {
  if (operation.instrument_id !== instrumentId) {
    throw new MedusaError(
      MedusaError.Types.CONFLICT,
      `Idempotency key "${operation.idempotency_key}" belongs to an operation on another instrument`
    )
  }
  if (operation.kind !== kind) {
    throw new IdempotencyKeyConflictError(operation.idempotency_key, operation.kind, kind)
  }
  if (operation.status === "requested" || operation.status === "pending") {
    return updateOperation(knex, operation.id, { attempts: knex.raw("attempts + 1") })
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
