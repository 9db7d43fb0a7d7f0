import path from "node:path"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import {
  IdempotencyKeyConflictError,
  InstrumentClosedError,
  InstrumentStateError,
  LineQuantityExceededError,
  OverCaptureError,
  OverRefundError,
} from "../../../lifecycle/ledger"
import { PAYMENT_LEDGER_MODULE } from ".."
import type PaymentLedgerModuleService from "../service"

jest.setTimeout(60 * 1000)

const LEASE = { owner: "test-worker", seconds: 60 }

const twoShirts = [
  { id: "item_shirt", quantity: 2, unitAmount: 2500n },
  { id: "item_shipping", quantity: 1, unitAmount: 500n },
]

moduleIntegrationTestRunner<PaymentLedgerModuleService>({
  moduleName: PAYMENT_LEDGER_MODULE,
  resolve: path.join(__dirname, ".."),
  dbName: `medusa-payment-ledger-${process.pid}`,
  // The generated migration builds the schema, so the tests also prove it matches the models.
  pathToMigrations: path.join(__dirname, "..", "migrations"),
  testSuite: ({ service }) => {
    async function openAuthorized(sessionId = "payses_1", origin: "token" | "authorized" | "captured" = "authorized") {
      const { instrument } = await service.openInstrument({
        provider_id: "pp_resurs_resurs",
        payment_session_id: sessionId,
        currency_code: "EUR",
        amount: 5500n,
        origin,
        lines: twoShirts,
        psp_reference: "resurs-order-1",
      })
      return instrument
    }

    describe("instruments", () => {
      it("opens one instrument per payment session, idempotently", async () => {
        const first = await service.openInstrument({
          provider_id: "pp_resurs_resurs",
          payment_session_id: "payses_1",
          currency_code: "EUR",
          amount: 5500n,
          origin: "token",
          lines: twoShirts,
        })
        expect(first.created).toBe(true)
        expect(first.instrument).toMatchObject({
          id: expect.stringMatching(/^pinst_/),
          currency_code: "eur",
          state: "token",
          amount: "5500",
          authorized_amount: "0",
          lines: [
            { id: "item_shirt", quantity: 2, unit_amount: "2500", total_amount: "5000", captured: 0, refunded: 0, canceled: 0 },
            { id: "item_shipping", quantity: 1, unit_amount: "500", total_amount: "500", captured: 0, refunded: 0, canceled: 0 },
          ],
          psp_status_history: [],
        })
        const again = await service.openInstrument({
          provider_id: "pp_resurs_resurs",
          payment_session_id: "payses_1",
          currency_code: "EUR",
          amount: 999n,
          origin: "captured",
        })
        expect(again).toEqual({ instrument: first.instrument, created: false })
        expect(await service.listPaymentInstruments({})).toHaveLength(1)
      })

      it("20 concurrent opens of one session create one instrument", async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => openAuthorized("payses_race")))
        expect(new Set(results.map((instrument) => instrument.id)).size).toBe(1)
        expect(await service.listPaymentInstruments({ payment_session_id: "payses_race" })).toHaveLength(1)
      })

      it("refuses to settle on an instrument whose stored amounts disagree with its operations", async () => {
        const instrument = await openAuthorized()
        await service.beginOperation(instrument.id, { idempotency_key: "capt_1", kind: "capture", amount: 1000n }, LEASE)
        await service.updatePaymentInstruments({ id: instrument.id, captured_amount: "700" })
        await expect(service.completeOperation("capt_1")).rejects.toThrow(/inconsistent: captured differs from the sum of settled captures/)
      })

      it("finds instruments by session and PSP reference, and records references", async () => {
        const instrument = await openAuthorized()
        expect((await service.findInstrumentBySession("payses_1"))?.id).toBe(instrument.id)
        expect((await service.findInstrumentByPspReference("pp_resurs_resurs", "resurs-order-1"))?.id).toBe(instrument.id)
        expect(await service.findInstrumentBySession("payses_unknown")).toBeNull()
        const updated = await service.setInstrumentReferences(instrument.id, { payment_id: "pay_1" })
        expect(updated).toMatchObject({ payment_id: "pay_1", psp_reference: "resurs-order-1" })
        await expect(service.setInstrumentReferences("pinst_missing", { payment_id: "x" })).rejects.toThrow(/No payment instrument pinst_missing/)
      })

      it("appends PSP statuses once per change", async () => {
        const instrument = await openAuthorized()
        await service.appendPspStatus(instrument.id, { status: "FROZEN", source: "callback", at: new Date("2026-01-01T00:00:00Z") })
        await service.appendPspStatus(instrument.id, { status: "FROZEN", source: "fetch" })
        await service.appendPspStatus(instrument.id, { status: "ACCEPTED", source: "fetch", state: "authorized", at: new Date("2026-01-01T00:01:00Z") })
        const { instrument: updated } = await service.getInstrumentWithHistory(instrument.id)
        expect(updated).toMatchObject({ psp_status: "ACCEPTED", psp_state: "authorized", last_synced_at: expect.any(Date) })
        expect(updated.psp_status_history).toEqual([
          { status: "FROZEN", source: "callback", at: "2026-01-01T00:00:00.000Z" },
          { status: "ACCEPTED", source: "fetch", at: "2026-01-01T00:01:00.000Z" },
        ])
      })
    })

    describe("operations", () => {
      it("runs the NewStore return scenario and keeps the stored amounts equal to the ledger", async () => {
        const token = await openAuthorized("payses_1", "token")
        const steps = [
          { idempotency_key: "payses_1:authorize", kind: "authorize" as const },
          { idempotency_key: "capt_1", kind: "capture" as const, lines: [{ id: "item_shirt", quantity: 1 }] },
          { idempotency_key: "capt_2", kind: "capture" as const, lines: [{ id: "item_shirt", quantity: 1 }, { id: "item_shipping", quantity: 1 }] },
          { idempotency_key: "ref_1", kind: "refund" as const, amount: 2500n },
          { idempotency_key: "ref_2", kind: "refund" as const, lines: [{ id: "item_shirt", quantity: 1 }] },
        ]
        for (const step of steps) {
          const { operation, created } = await service.beginOperation(token.id, step, LEASE)
          expect(created).toBe(true)
          expect(operation.status).toBe("requested")
          await service.completeOperation(step.idempotency_key, { psp_operation_ids: [`psp-${step.idempotency_key}`] })
        }
        const { instrument, operations, ledger } = await service.getInstrumentWithHistory(token.id)
        expect(instrument).toMatchObject({
          state: "partially_refunded",
          authorized_amount: "5500",
          captured_amount: "5500",
          refunded_amount: "5000",
          canceled_amount: "0",
        })
        expect(instrument.lines[0]).toMatchObject({ id: "item_shirt", captured: 2, refunded: 1 })
        expect(operations.map((operation) => [operation.idempotency_key, operation.amount, operation.status])).toEqual([
          ["payses_1:authorize", "5500", "succeeded"],
          ["capt_1", "2500", "succeeded"],
          ["capt_2", "3000", "succeeded"],
          ["ref_1", "2500", "succeeded"],
          ["ref_2", "2500", "succeeded"],
        ])
        expect(operations[1]).toMatchObject({ psp_operation_ids: ["psp-capt_1"], completed_at: expect.any(Date), attempts: 1, lease_owner: null })
        expect(ledger.refunded).toBe(5000n)
      })

      it("returns the existing operation for a repeated key, whatever the body", async () => {
        const instrument = await openAuthorized()
        const first = await service.beginOperation(instrument.id, { idempotency_key: "capt_1", kind: "capture", amount: 1000n }, LEASE)
        const again = await service.beginOperation(instrument.id, { idempotency_key: "capt_1", kind: "capture", amount: 5000n }, LEASE)
        expect(again.created).toBe(false)
        expect(again.operation).toMatchObject({ id: first.operation.id, amount: "1000", attempts: 1, lease_owner: LEASE.owner })
        await service.completeOperation("capt_1")
        const done = await service.beginOperation(instrument.id, { idempotency_key: "capt_1", kind: "capture", amount: 1n }, LEASE)
        expect(done.operation).toMatchObject({ id: first.operation.id, status: "succeeded", attempts: 1, lease_owner: null })
        await expect(service.beginOperation(instrument.id, { idempotency_key: "capt_1", kind: "refund" }, LEASE)).rejects.toThrow(
          IdempotencyKeyConflictError
        )
        const other = await openAuthorized("payses_2")
        await expect(service.beginOperation(other.id, { idempotency_key: "capt_1", kind: "capture" }, LEASE)).rejects.toThrow(
          /belongs to an operation on another instrument/
        )
      })

      it("holds in-flight amounts, rejects over-capture and over-refund, and releases failed operations", async () => {
        const instrument = await openAuthorized()
        await service.beginOperation(instrument.id, { idempotency_key: "capt_1", kind: "capture", amount: 4000n }, LEASE)
        await expect(service.beginOperation(instrument.id, { idempotency_key: "capt_2", kind: "capture", amount: 2000n }, LEASE)).rejects.toThrow(
          OverCaptureError
        )
        await expect(service.beginOperation(instrument.id, { idempotency_key: "ref_1", kind: "refund", amount: 1n }, LEASE)).rejects.toThrow(
          OverRefundError
        )
        const unknown = await service.markOperationUnknown("capt_1", { owner: LEASE.owner, error: { code: "timeout", message: "no answer in 30s" } })
        expect(unknown).toMatchObject({ status: "unknown", lease_owner: null, error: { code: "timeout" } })
        const failed = await service.failOperation("capt_1", { error: { code: "declined", message: "PSP refused the capture" } })
        expect(failed).toMatchObject({ status: "failed", error: { code: "declined", message: "PSP refused the capture" } })
        await expect(service.completeOperation("capt_1")).rejects.toThrow(InstrumentStateError)
        expect(await service.markOperationUnknown("capt_1", { owner: LEASE.owner, error: { code: "x", message: "late" } })).toMatchObject({ status: "failed" })
        const retried = await service.beginOperation(instrument.id, { idempotency_key: "capt_2", kind: "capture", amount: 5500n }, LEASE)
        expect(retried.created).toBe(true)
        await service.completeOperation("capt_2")
        await expect(service.failOperation("capt_2", { error: { code: "x", message: "late" } })).rejects.toThrow(InstrumentStateError)
        const { instrument: stored } = await service.getInstrumentWithHistory(instrument.id)
        expect(stored).toMatchObject({ state: "captured", captured_amount: "5500" })
        await expect(
          service.beginOperation(instrument.id, { idempotency_key: "ref_9", kind: "refund", lines: [{ id: "item_shirt", quantity: 3 }] }, LEASE)
        ).rejects.toThrow(LineQuantityExceededError)
        await expect(service.beginOperation("pinst_missing", { idempotency_key: "k", kind: "capture" }, LEASE)).rejects.toThrow(/No payment instrument/)
      })

      it("a cancel voids what is uncaptured and closes the instrument", async () => {
        const instrument = await openAuthorized()
        await service.beginOperation(instrument.id, { idempotency_key: "capt_1", kind: "capture", lines: [{ id: "item_shirt", quantity: 1 }] }, LEASE)
        await service.completeOperation("capt_1")
        const { operation } = await service.beginOperation(instrument.id, { idempotency_key: "pay_1:cancel", kind: "cancel" }, LEASE)
        expect(operation).toMatchObject({ effect: "void", amount: "3000", lines: [{ id: "item_shirt", quantity: 1 }, { id: "item_shipping", quantity: 1 }] })
        const { instrument: canceled } = await service.completeOperation("pay_1:cancel")
        expect(canceled).toMatchObject({ closed: true, canceled_amount: "3000", state: "captured" })
        await expect(service.beginOperation(instrument.id, { idempotency_key: "capt_2", kind: "capture", amount: 1n }, LEASE)).rejects.toThrow(
          InstrumentClosedError
        )
      })

      it("20 concurrent begins with one key create exactly one row and all return it", async () => {
        const instrument = await openAuthorized()
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            service.beginOperation(instrument.id, { idempotency_key: "capt_race", kind: "capture", amount: BigInt(100 + index) }, LEASE)
          )
        )
        const ids = new Set(results.map((result) => result.operation.id))
        expect(ids.size).toBe(1)
        expect(results.filter((result) => result.created)).toHaveLength(1)
        const rows = await service.listPaymentOperations({ idempotency_key: "capt_race" })
        expect(rows).toHaveLength(1)
        expect(rows[0]).toMatchObject({ attempts: 1 })
        const winner = results.find((result) => result.created)!.operation
        expect(results.every((result) => result.operation.amount === winner.amount)).toBe(true)
      })

      it("20 concurrent captures with distinct keys never exceed the capturable amount", async () => {
        const instrument = await openAuthorized()
        const settled = await Promise.allSettled(
          Array.from({ length: 20 }, (_, index) =>
            service.beginOperation(instrument.id, { idempotency_key: `capt_${index}`, kind: "capture", amount: 1000n }, LEASE)
          )
        )
        expect(settled.filter((result) => result.status === "fulfilled")).toHaveLength(5)
        for (const result of settled.filter((result) => result.status === "rejected")) {
          expect((result as PromiseRejectedResult).reason).toBeInstanceOf(OverCaptureError)
        }
      })
    })

    describe("leases, late failures, adoption", () => {
      it("only one worker holds an operation's lease; an unknown or expired one can be taken over once", async () => {
        const instrument = await openAuthorized()
        await service.beginOperation(instrument.id, { idempotency_key: "capt_1", kind: "capture", amount: 1000n }, LEASE)
        // the first caller holds a live lease: nobody else may call the PSP
        expect(await service.acquireLease("capt_1", { owner: "other", seconds: 60 })).toBeNull()
        await service.markOperationUnknown("capt_1", { owner: LEASE.owner, error: { code: "timeout", message: "no answer" } })
        const takers = await Promise.all(Array.from({ length: 10 }, (_, index) => service.acquireLease("capt_1", { owner: `w${index}`, seconds: 60 })))
        const winners = takers.filter((row) => row !== null)
        expect(winners).toHaveLength(1)
        expect(winners[0]).toMatchObject({ status: "unknown", attempts: 2 })
        // a lease that ran out (its worker crashed) is taken over
        await service.beginOperation(instrument.id, { idempotency_key: "capt_2", kind: "capture", amount: 1000n }, { owner: "crashed", seconds: 0 })
        expect(await service.acquireLease("capt_2", { owner: "rescuer", seconds: 60 })).toMatchObject({ lease_owner: "rescuer" })
        // a re-send whose answer is lost again gives its lease back, so the next attempt can take it
        const again = await service.acquireLease("capt_1", { owner: "resender", seconds: 60 })
        expect(again).toBeNull() // w-winner holds it
        const winner = winners[0]!.lease_owner!
        expect(await service.markOperationUnknown("capt_1", { owner: winner, error: { code: "http_503", message: "again" } })).toMatchObject({ status: "unknown", lease_owner: null })
        expect(await service.acquireLease("capt_1", { owner: "resender", seconds: 60 })).toMatchObject({ lease_owner: "resender", attempts: 3 })
        // only the holder may declare the outcome unknown
        expect(await service.markOperationUnknown("capt_2", { owner: "crashed", error: { code: "x", message: "late" } })).toMatchObject({ status: "requested", lease_owner: "rescuer" })
      })

      it("an accepted capture that fails later lapses: nothing captured, the amount no longer capturable, the reason kept", async () => {
        const instrument = await openAuthorized()
        await service.beginOperation(instrument.id, { idempotency_key: "capt_1", kind: "capture", lines: [{ id: "item_shirt", quantity: 1 }] }, LEASE)
        expect(await service.acceptOperation("capt_1", { psp_operation_ids: ["ful_1"] })).toMatchObject({ status: "accepted", psp_operation_ids: ["ful_1"] })
        const { operation, instrument: lapsed } = await service.lapseOperation("capt_1", { error: { code: "failed_capture", message: "authorization expired" } })
        expect(operation).toMatchObject({ status: "lapsed", error: { code: "failed_capture" } })
        expect(lapsed).toMatchObject({ captured_amount: "0", canceled_amount: "2500", reconcile_issue: expect.stringMatching(/lapsed: authorization expired/) })
        expect(lapsed.lines[0]).toMatchObject({ id: "item_shirt", captured: 0, canceled: 1 })
        await expect(service.completeOperation("capt_1")).rejects.toThrow(InstrumentStateError)
      })

      it("adopts a movement the PSP made on its own once, under the PSP's id", async () => {
        const instrument = await openAuthorized()
        const input = { idempotency_key: "capture:psp:act_1:x", kind: "capture" as const, amount: 1500n, psp_operation_ids: ["act_1"] }
        const first = await service.adoptOperation(instrument.id, input)
        const again = await service.adoptOperation(instrument.id, input)
        expect([first.created, again.created]).toEqual([true, false])
        expect(again.operation).toMatchObject({ status: "succeeded", psp_operation_ids: ["act_1"] })
        expect((await service.getInstrumentWithHistory(instrument.id)).instrument.captured_amount).toBe("1500")
      })

      it("one recorder at a time reserves a movement for Medusa; a reservation a crashed recorder left is taken over", async () => {
        const instrument = await openAuthorized()
        const { operation } = await service.beginOperation(instrument.id, { idempotency_key: "capt_1", kind: "capture", amount: 1000n }, LEASE)
        expect(await service.reserveForRecording(operation.id)).toBe(false) // not confirmed by the PSP yet
        await service.completeOperation("capt_1")
        expect(await service.reserveForRecording(operation.id)).toBe(true)
        expect(await service.reserveForRecording(operation.id)).toBe(false)
        // the recorder died: after the stale delay (0 s here) the reservation is taken over, once
        expect(await service.reserveForRecording(operation.id, 0)).toBe(true)
        expect(await service.claimOperationForMedusaRecord({ instrument_id: instrument.id, kind: "capture", amount: 1000n, medusa_record_id: "capt_medusa_1" })).toMatchObject({ id: operation.id })
        expect(await service.reserveForRecording(operation.id, 0)).toBe(false)
      })

      it("coalesces sync requests: one waits per instrument, and a hint during a sync asks for one more", async () => {
        const instrument = await openAuthorized()
        const first = await Promise.all(Array.from({ length: 10 }, () => service.requestSync(instrument.id, "callback")))
        expect(first.filter(Boolean)).toHaveLength(1)
        const seen = (await service.syncRequestGeneration(instrument.id))!
        expect(await service.finishSync(instrument.id, seen)).toBe(false)
        expect(await service.syncRequestGeneration(instrument.id)).toBeNull()
        await service.requestSync(instrument.id, "callback")
        const during = (await service.syncRequestGeneration(instrument.id))!
        await service.requestSync(instrument.id, "ping") // arrives while that sync runs
        expect(await service.finishSync(instrument.id, during)).toBe(true)
      })
    })

    describe("callback inbox", () => {
      const callback = {
        provider_id: "pp_resurs_resurs",
        dedup_key: "resurs:order-1:BOOKED:2026-01-01T00:00:00Z",
        verified: false,
        payload: { paymentId: "resurs-order-1", event: "BOOKED" },
        psp_reference: "resurs-order-1",
      }

      it("stores a callback once and reports duplicates", async () => {
        const first = await service.recordCallback(callback)
        expect(first.duplicate).toBe(false)
        expect(first.callback).toMatchObject({ id: expect.stringMatching(/^pcb_/), verified: false, processed_at: null, payload: callback.payload })
        const again = await service.recordCallback({ ...callback, verified: true, payload: { other: true } })
        expect(again).toEqual({ callback: first.callback, duplicate: true })
      })

      it("marks an instrument's callbacks processed up to a time, once", async () => {
        const instrument = await openAuthorized()
        const { callback: stored } = await service.recordCallback({ ...callback, instrument_id: instrument.id, received_at: new Date("2026-01-01T00:00:00Z") })
        await service.recordCallback({ ...callback, dedup_key: "later", instrument_id: instrument.id, received_at: new Date("2026-01-01T00:05:00Z") })
        expect(await service.markCallbacksProcessed(instrument.id, new Date("2026-01-01T00:01:00Z"), "applied")).toBe(1)
        expect(await service.markCallbacksProcessed(instrument.id, new Date("2026-01-01T00:01:00Z"), "again")).toBe(0)
        const { callbacks } = await service.getInstrumentWithHistory(instrument.id)
        expect(callbacks.map((entry) => [entry.id === stored.id, entry.outcome])).toEqual([
          [true, "applied"],
          [false, null],
        ])
      })

      it("deduplicates per provider: the same event id of two providers is two callbacks", async () => {
        const resurs = await service.recordCallback(callback)
        const other = await service.recordCallback({ ...callback, provider_id: "pp_resurs_second" })
        expect([resurs.duplicate, other.duplicate]).toEqual([false, false])
        expect(other.callback.id).not.toBe(resurs.callback.id)
      })

      it("accepts a callback in one statement: stored once, duplicates reported, one sync asked for, unknown payments store nothing", async () => {
        const instrument = await openAuthorized()
        const accept = (dedup: string | null, extra: { psp_action_id?: string } = {}) =>
          service.acceptCallback({
            provider_id: "pp_resurs_resurs",
            lookup: { pspReference: "resurs-order-1" },
            dedup_key: dedup,
            verified: false,
            payload: { event: "MANAGEMENT:CAPTURE" },
            source: "callback",
            ...extra,
          })
        const burst = await Promise.all(Array.from({ length: 10 }, () => accept("management:action-1")))
        expect(burst.filter((result) => !result!.duplicate)).toHaveLength(1)
        // one hint opened the sync request; the others are covered by it (and counted)
        expect(burst.filter((result) => result!.syncStarted)).toHaveLength(1)
        expect(burst.every((result) => result!.instrument_id === instrument.id)).toBe(true)
        expect(await service.syncRequestGeneration(instrument.id)).toBe(10)
        expect(await service.listPaymentCallbacks({ dedup_key: "management:action-1" })).toHaveLength(1)
        // a ping has no identity: nothing stored, the sync asked for
        expect(await accept(null)).toEqual({ instrument_id: instrument.id, duplicate: false, syncStarted: false })
        expect(await service.syncRequestGeneration(instrument.id)).toBe(11)
        expect(
          await service.acceptCallback({ provider_id: "pp_resurs_resurs", lookup: { pspReference: "unknown" }, dedup_key: "x", verified: false, payload: {}, source: "callback" })
        ).toBeNull()
        expect(await service.listPaymentCallbacks({ dedup_key: "x" })).toHaveLength(0)
      })

      it("acknowledges a batch in one statement as it would one by one: per payment, duplicates within the batch, settled movements, unknown payments", async () => {
        const first = await openAuthorized("payses_1")
        const { instrument: second } = await service.openInstrument({
          provider_id: "pp_resurs_resurs",
          payment_session_id: "payses_2",
          currency_code: "EUR",
          amount: 5500n,
          origin: "authorized",
          lines: twoShirts,
          psp_reference: "resurs-order-2",
        })
        await service.beginOperation(second.id, { idempotency_key: "capture-9", kind: "capture", amount: 1000n }, LEASE)
        await service.completeOperation("capture-9", { psp_operation_ids: ["action-9"] })
        const hint = (reference: string, dedup: string | null, psp_action_id?: string) => ({
          provider_id: "pp_resurs_resurs",
          lookup: { pspReference: reference },
          dedup_key: dedup,
          verified: false,
          payload: { event: "MANAGEMENT:CAPTURE" },
          source: "callback",
          psp_action_id,
        })
        const results = await service.acceptCallbacks([
          hint("resurs-order-1", "management:a"),
          hint("resurs-order-1", "management:a"),
          hint("resurs-order-2", "management:action-9", "action-9"),
          hint("unknown", "management:b"),
          hint("resurs-order-1", null),
          hint("resurs-order-2", "management:c"),
        ])
        expect(results).toEqual([
          { instrument_id: first.id, duplicate: false, syncStarted: true },
          { instrument_id: first.id, duplicate: true, syncStarted: false },
          // a movement the ledger settled: stored processed, no sync asked for
          { instrument_id: second.id, duplicate: false, syncStarted: false },
          null,
          { instrument_id: first.id, duplicate: false, syncStarted: false },
          { instrument_id: second.id, duplicate: false, syncStarted: true },
        ])
        // the generation counts the hints each request stands for, as one by one
        expect(await service.syncRequestGeneration(first.id)).toBe(3)
        expect(await service.syncRequestGeneration(second.id)).toBe(1)
        expect(await service.listPaymentCallbacks({ dedup_key: "management:a" })).toHaveLength(1)
        expect(await service.listPaymentCallbacks({ dedup_key: "management:b" })).toHaveLength(0)
        const [settled] = await service.listPaymentCallbacks({ dedup_key: "management:action-9" })
        expect(settled.processed_at).not.toBeNull()
        // a later batch adds to the waiting requests
        const later = await service.acceptCallbacks([hint("resurs-order-2", "management:d"), hint("resurs-order-1", "management:a")])
        expect(later).toEqual([
          { instrument_id: second.id, duplicate: false, syncStarted: false },
          { instrument_id: first.id, duplicate: true, syncStarted: false },
        ])
        expect(await service.syncRequestGeneration(first.id)).toBe(4)
        expect(await service.syncRequestGeneration(second.id)).toBe(2)
      })

      it("a callback naming a movement the ledger settled with the PSP's id is stored processed and asks for no sync", async () => {
        const instrument = await openAuthorized()
        await service.beginOperation(instrument.id, { idempotency_key: "capture-1", kind: "capture", amount: 1000n }, LEASE)
        await service.completeOperation("capture-1", { psp_operation_ids: ["action-7"] })
        const accepted = await service.acceptCallback({
          provider_id: "pp_resurs_resurs",
          lookup: { pspReference: "resurs-order-1" },
          dedup_key: "management:action-7",
          verified: false,
          payload: { event: "MANAGEMENT:CAPTURE" },
          source: "callback",
          psp_action_id: "action-7",
        })
        expect(accepted).toEqual({ instrument_id: instrument.id, duplicate: false, syncStarted: false })
        expect(await service.syncRequestGeneration(instrument.id)).toBeNull()
        const [stored] = await service.listPaymentCallbacks({ dedup_key: "management:action-7" })
        expect(stored.processed_at).not.toBeNull()
        // one it does not know yet asks for a sync, and the sync sees which movement it names
        await service.acceptCallback({
          provider_id: "pp_resurs_resurs",
          lookup: { pspReference: "resurs-order-1" },
          dedup_key: "management:action-8",
          verified: false,
          payload: { event: "MANAGEMENT:CAPTURE" },
          source: "callback",
          psp_action_id: "action-8",
        })
        expect(await service.syncRequestGeneration(instrument.id)).toBe(1)
        expect(await service.unprocessedCallbackActions(instrument.id)).toEqual(["action-8"])
      })

      it("20 concurrent inserts of one dedup key store it once", async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) => service.recordCallback({ ...callback, payload: { attempt: index } }))
        )
        expect(results.filter((result) => !result.duplicate)).toHaveLength(1)
        expect(new Set(results.map((result) => result.callback.id)).size).toBe(1)
        expect(await service.listPaymentCallbacks({ dedup_key: callback.dedup_key })).toHaveLength(1)
      })
    })
  },
})
