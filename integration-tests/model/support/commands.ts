/**
 * The commands of the model-based lifecycle test (fast-check `commands`). Each carries an abstract
 * choice (units wanted per product, a fault's kind…) and resolves it against the model when it
 * runs, so that any shrunk list still makes sense; `check` says when a command applies. Every
 * command that can move money ends with `settle`: the sandbox, the ledger and Medusa must all
 * agree with the model.
 */
import fc from "fast-check"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { operationKey } from "../../../src/lifecycle/keys"
import { PAYMENT_LEDGER_MODULE, type PaymentLedgerModuleService } from "../../../src/modules/payment-ledger"
import { resolveConnector } from "../../../src/providers/base/registry"
import { pspLinesOf } from "../../../src/settlement/lines"
import { eventually } from "../../http/support/psp-sandbox"
import {
  applyCancel,
  applyCapture,
  applyFulfillment,
  applyRefund,
  capturableRoom,
  fulfillableRoom,
  pick,
  PRODUCTS,
  refundableRoom,
  returnableRoom,
  type OrderModel,
  type Sku,
} from "./model"
import { reconcile, settle, type OrderSystem } from "./system"

export type ModelCommand = fc.AsyncCommand<OrderModel, OrderSystem, false>

type Wanted = readonly number[]
const wantedText = (wanted: Wanted) => `[${wanted.join(",")}]`
const itemsOf = (system: OrderSystem, lines: { sku: Sku; quantity: number }[]) => lines.map(({ sku, quantity }) => ({ id: system.items[sku], quantity }))

function expectStatus(what: string, response: { status: number; data?: unknown }, allowed: number[]): void {
  if (!allowed.includes(response.status)) {
    throw new Error(`${what}: answered ${response.status} ${JSON.stringify(response.data)}, expected ${allowed.join(" or ")}`)
  }
}

/** A warehouse fulfills the wanted units (capped by what may still be fulfilled): the plugin captures exactly those lines, shipping with the first capture. */
export class Fulfill implements ModelCommand {
  constructor(readonly wanted: Wanted) {}
  check(model: Readonly<OrderModel>): boolean {
    if (model.phase === "held") return this.wanted.some((units) => units > 0)
    return model.phase === "placed" && pick(model as OrderModel, this.wanted, fulfillableRoom).length > 0
  }
  async run(model: OrderModel, system: OrderSystem): Promise<void> {
    if (model.phase === "held") {
      // a held payment blocks fulfillment: nothing ships, nothing moves
      const lines = PRODUCTS.map(({ sku }, index) => ({ sku, quantity: Math.min(1, this.wanted[index] ?? 0) })).filter((line) => line.quantity > 0)
      const refused = await system.t.fulfill(system.orderId, itemsOf(system, lines))
      expectStatus("fulfillment of a held order", refused, [400])
      await settle(system, model, this.toString())
      return
    }
    const lines = pick(model, this.wanted, fulfillableRoom)
    const answer = await system.t.fulfill(system.orderId, itemsOf(system, lines))
    expectStatus("fulfillment", answer, [200])
    applyFulfillment(model, lines)
    await settle(system, model, this.toString())
  }
  toString(): string {
    return `Fulfill(${wantedText(this.wanted)})`
  }
}

/** A return of the wanted units (fulfilled ones), requested and received: the plugin refunds exactly those lines. */
export class ReceiveReturn implements ModelCommand {
  constructor(readonly wanted: Wanted) {}
  check(model: Readonly<OrderModel>): boolean {
    return model.phase === "placed" && pick(model as OrderModel, this.wanted, returnableRoom).length > 0
  }
  async run(model: OrderModel, system: OrderSystem): Promise<void> {
    const lines = pick(model, this.wanted, returnableRoom)
    try {
      await system.t.receiveReturn(system.orderId, itemsOf(system, lines))
    } catch (error) {
      // say which order change is still open, and who opened it
      const pg = system.container.resolve(ContainerRegistrationKeys.PG_CONNECTION)
      const open = await pg.raw(
        `select id, change_type, status, return_id, created_by, created_at from order_change where order_id = ? and status not in ('confirmed', 'canceled', 'declined') and deleted_at is null`,
        [system.orderId]
      )
      throw new Error(`${(error as Error).message}; open order changes: ${JSON.stringify(open.rows)}`)
    }
    for (const { sku, quantity } of lines) model.lines[sku].returned += quantity
    model.returns++
    applyRefund(model, lines)
    await settle(system, model, this.toString())
  }
  toString(): string {
    return `ReceiveReturn(${wantedText(this.wanted)})`
  }
}

/**
 * The admin captures or refunds chosen lines through /admin/orders/:id/payment-instruments/*, with
 * a fresh Idempotency-Key, or (`repeatKey`) the last key of that kind again: a replay moves nothing.
 */
export class AdminMove implements ModelCommand {
  constructor(
    readonly kind: "capture" | "refund",
    readonly wanted: Wanted,
    readonly repeatKey: boolean,
    readonly includeShipping: boolean
  ) {}
  private replays(model: Readonly<OrderModel>): boolean {
    return this.repeatKey && model.adminKeys[this.kind].length > 0
  }
  private lines(model: Readonly<OrderModel>) {
    return pick(model as OrderModel, this.wanted, this.kind === "capture" ? capturableRoom : refundableRoom)
  }
  check(model: Readonly<OrderModel>): boolean {
    if (model.phase === "canceled") return this.kind === "capture" && !this.repeatKey // refused, nothing moves
    return model.phase === "placed" && (this.replays(model) || this.lines(model).length > 0)
  }
  async run(model: OrderModel, system: OrderSystem): Promise<void> {
    const path = `/admin/orders/${system.orderId}/payment-instruments/${this.kind}`
    if (model.phase === "canceled") {
      const items = PRODUCTS.map(({ sku }) => ({ id: system.items[sku], quantity: 1 }))
      const refused = await system.t.admin.post(path, { items: items.slice(0, 1) }, { headers: { "idempotency-key": `late-${model.counter++}` } })
      expectStatus("admin capture on a canceled order", refused, [400])
      await settle(system, model, this.toString())
      return
    }
    if (this.replays(model)) {
      const keys = model.adminKeys[this.kind]
      const key = keys[keys.length - 1]
      // the body may differ: the first request's result is returned, nothing moves
      const lines = this.lines(model)
      const body = { items: lines.length ? itemsOf(system, lines) : [{ id: system.items["LINEN-SHIRT"], quantity: 1 }] }
      const replayed = await system.t.admin.post(path, body, { headers: { "idempotency-key": key } })
      expectStatus(`admin ${this.kind} replayed under ${key}`, replayed, [200])
      if (replayed.headers["idempotent-replayed"] !== "true") {
        throw new Error(`admin ${this.kind} under a repeated key ${key} was not a replay: ${JSON.stringify(replayed.data)}`)
      }
      await settle(system, model, this.toString())
      return
    }
    const lines = this.lines(model)
    const key = `${this.kind}-${model.counter++}`
    const body = {
      items: itemsOf(system, lines),
      ...(this.kind === "capture" && !this.includeShipping ? { include_shipping: false } : {}),
    }
    const answer = await system.t.admin.post(path, body, { headers: { "idempotency-key": key } })
    // 202: the PSP's answer was lost or delayed; the operation settles later
    expectStatus(`admin ${this.kind} ${JSON.stringify(body)}`, answer, [200, 202])
    model.adminKeys[this.kind].push(key)
    if (this.kind === "capture") {
      applyCapture(model, lines, this.includeShipping)
    } else {
      applyRefund(model, lines)
    }
    await settle(system, model, this.toString())
  }
  toString(): string {
    return `Admin${this.kind === "capture" ? "Capture" : "Refund"}(${wantedText(this.wanted)}${this.repeatKey ? ", repeat key" : ""}${this.kind === "capture" && !this.includeShipping ? ", no shipping" : ""})`
  }
}

/** The admin cancels the order (before anything shipped): core refunds what was captured, the plugin releases the rest. */
export class CancelOrder implements ModelCommand {
  check(model: Readonly<OrderModel>): boolean {
    return model.phase === "placed" && PRODUCTS.every(({ sku }) => model.lines[sku].fulfilled === 0)
  }
  async run(model: OrderModel, system: OrderSystem): Promise<void> {
    const answer = await system.t.admin.post(`/admin/orders/${system.orderId}/cancel`, {})
    expectStatus("order cancel", answer, [200])
    applyCancel(model)
    await settle(system, model, this.toString())
  }
  toString(): string {
    return "CancelOrder"
  }
}

export type PspFaultKind = "503" | "lost-response" | "429" | "latency"

/** The next PSP call of one kind (capture, refund, cancel) fails: 503, applied with the answer lost, 429, or slow. */
export class PspFault implements ModelCommand {
  constructor(
    readonly operation: "capture" | "refund" | "cancel",
    readonly kind: PspFaultKind
  ) {}
  check(model: Readonly<OrderModel>): boolean {
    return model.phase !== "canceled" && model.phase !== "rejected"
  }
  async run(_model: OrderModel, system: OrderSystem): Promise<void> {
    const effect =
      this.kind === "503"
        ? { effect: "error", status: 503 }
        : this.kind === "429"
          ? { effect: "error", status: 429, retryAfterSeconds: 0 }
          : this.kind === "lost-response"
            ? { effect: "drop-response" }
            : { latencyMs: 700 }
    const response = await system.t.control.post("/_sandbox/faults", { psp: "resurs", method: "POST", path: `/resurs/v2/payments/*/${this.operation}`, times: 1, ...effect })
    expectStatus("sandbox fault", response, [200, 201])
  }
  toString(): string {
    return `PspFault(${this.operation}, ${this.kind})`
  }
}

/** The next callbacks from Resurs are dropped, duplicated or reordered. */
export class CallbackFault implements ModelCommand {
  constructor(
    readonly effect: "drop" | "duplicate" | "reorder",
    readonly times: number
  ) {}
  check(model: Readonly<OrderModel>): boolean {
    return model.phase !== "canceled" && model.phase !== "rejected"
  }
  async run(_model: OrderModel, system: OrderSystem): Promise<void> {
    const response = await system.t.control.post("/_sandbox/callback-faults", {
      psp: "resurs",
      effect: this.effect,
      times: this.times,
      ...(this.effect === "duplicate" ? { copies: 3 } : {}),
      ...(this.effect === "reorder" ? { delayMs: 1500 } : {}),
    })
    expectStatus("sandbox callback fault", response, [200, 201])
  }
  toString(): string {
    return `CallbackFault(${this.effect} × ${this.times})`
  }
}

/**
 * A crash in the middle of an admin capture of the wanted lines, modelled by what it leaves
 * behind: the operation written ahead under a lease that has expired, and the PSP call either
 * never made (`before-psp`) or made with its answer never recorded (`after-psp`). Nothing in this
 * process's memory is relied on: the reconcile workflow (the job after a restart) must capture
 * those lines exactly once and record them in Medusa.
 */
export class CrashDuringCapture implements ModelCommand {
  constructor(
    readonly wanted: Wanted,
    readonly when: "before-psp" | "after-psp"
  ) {}
  check(model: Readonly<OrderModel>): boolean {
    return model.phase === "placed" && pick(model as OrderModel, this.wanted, capturableRoom).length > 0
  }
  async run(model: OrderModel, system: OrderSystem): Promise<void> {
    const lines = pick(model, this.wanted, capturableRoom)
    const ledger = system.container.resolve<PaymentLedgerModuleService>(PAYMENT_LEDGER_MODULE)
    const instrument = (await ledger.findInstrumentBySession(system.checkout.sessionId))!
    const id = `${system.orderId}:crash-${model.counter++}`
    const key = operationKey({ kind: "capture", source: "admin", id, instrumentId: instrument.id })
    const { operation } = await ledger.beginOperation(
      instrument.id,
      { idempotency_key: key, kind: "capture", origin: `admin:${id}`, lines: lines.map(({ sku, quantity }) => ({ id: sku, quantity })) },
      { owner: "worker-that-crashed", seconds: 3600 }
    )
    if (this.when === "after-psp") {
      const connector = await resolveConnector(system.container, instrument.provider_id)
      // the answer dies with the process, whatever it was: a PSP fault left by PspFault may meet
      // this call (503: not applied; a lost response: applied), and the reconcile must sort it out
      await connector
        .capture(instrument.psp_reference!, {
          key,
          currency: instrument.currency_code,
          amount: BigInt(operation.amount),
          lines: pspLinesOf(instrument, operation),
        })
        .catch(() => undefined)
    }
    // the process is gone: its lease runs out
    const pg = system.container.resolve(ContainerRegistrationKeys.PG_CONNECTION)
    await pg.raw(`update payment_operation set lease_expires_at = now() - interval '1 minute' where idempotency_key = ?`, [key])
    applyCapture(model, lines, false)
    await settle(system, model, this.toString())
  }
  toString(): string {
    return `CrashDuringCapture(${wantedText(this.wanted)}, ${this.when})`
  }
}

/** Resurs decides on a held (FROZEN) payment: released (authorized, the order may ship) or rejected (the order is canceled). */
export class DecideHeld implements ModelCommand {
  constructor(readonly decision: "release" | "reject") {}
  check(model: Readonly<OrderModel>): boolean {
    return model.phase === "held"
  }
  async run(model: OrderModel, system: OrderSystem): Promise<void> {
    const { t, checkout } = system
    expectStatus(`sandbox ${this.decision}`, await t.control.post(`/_sandbox/resurs/payments/${checkout.pspReference}/${this.decision}`), [200])
    const instrument = (await t.ledger.findInstrumentBySession(checkout.sessionId))!
    let polled = Date.now()
    await eventually(
      async () => {
        const order = await t.orderOf(system.orderId)
        const done =
          this.decision === "release"
            ? order.metadata?.psp_payment?.state === "processing" && order.payment_collections?.[0]?.payments?.length
            : order.status === "canceled"
        if (done) return true
        if (Date.now() - polled > 2000) {
          // the callback was lost: the job polls undecided payments (made due now)
          await t.ledger.updatePaymentInstruments({ id: instrument.id, last_synced_at: new Date(Date.now() - 3600_000) } as never)
          await reconcile(system.container)
          polled = Date.now()
        }
        return undefined
      },
      60_000,
      `the held order ${this.decision === "release" ? "authorized" : "canceled"}`
    )
    model.phase = this.decision === "release" ? "placed" : "rejected"
    await settle(system, model, this.toString())
  }
  toString(): string {
    return `DecideHeld(${this.decision})`
  }
}

const wanted = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 3 }))

/** The command generators, weighted towards the lifecycle; at most `maxCommands` per sequence. */
export function lifecycleCommands(maxCommands: number) {
  return fc.commands(
    [
      wanted.map((w) => new Fulfill(w)),
      wanted.map((w) => new Fulfill(w)),
      wanted.map((w) => new ReceiveReturn(w)),
      fc.tuple(wanted, fc.boolean(), fc.boolean()).map(([w, repeat, shipping]) => new AdminMove("capture", w, repeat, shipping)),
      fc.tuple(wanted, fc.boolean()).map(([w, repeat]) => new AdminMove("refund", w, repeat, true)),
      fc.constant(new CancelOrder()),
      fc
        .tuple(fc.constantFrom("capture" as const, "refund" as const, "cancel" as const), fc.constantFrom<PspFaultKind>("503", "lost-response", "429", "latency"))
        .map(([operation, kind]) => new PspFault(operation, kind)),
      fc.tuple(fc.constantFrom("drop" as const, "duplicate" as const, "reorder" as const), fc.integer({ min: 1, max: 3 })).map(([effect, times]) => new CallbackFault(effect, times)),
      fc.tuple(wanted, fc.constantFrom("before-psp" as const, "after-psp" as const)).map(([w, when]) => new CrashDuringCapture(w, when)),
      fc.constantFrom("release" as const, "release" as const, "reject" as const).map((decision) => new DecideHeld(decision)),
    ],
    { maxCommands, size: "medium" }
  )
}
