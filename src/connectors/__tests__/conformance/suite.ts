/**
 * One conformance suite for every connector, run against the PSP sandbox over HTTP: what the
 * settlement engine relies on, whatever the PSP. Checkout and state, captures (part of a line,
 * then the rest), refunds, cancels, finding an operation again by its key, lost answers, 5xx and
 * 429, late failures where the PSP has them, callbacks, and exact amounts in every currency.
 *
 * The engine, not the connector, prevents a second send of one key (lease, then a read of the
 * PSP's record): here we check what makes that possible, i.e. that the PSP's record of an
 * operation is found again by `findPspAction`.
 */
import { startCallbackReceiver, startSandbox, type CallbackReceiver, type ReceivedCallback, type Sandbox } from "../../../../sandbox/src"
import { CallbackRejectedError, PspUnknownOutcomeError } from "../../errors"
import { findPspAction } from "../../matching"
import type {
  CallbackInput,
  Connector,
  CreateCheckoutInput,
  CreatedCheckout,
  MoneyOperationInput,
  MoneyOperationOutcome,
  PspAction,
  PspOrderLine,
  PspPayment,
} from "../../types"
import type { ConformanceCurrency, ConformanceHarness } from "./harness"

export type { ConformanceCurrency, ConformanceHarness } from "./harness"

const DEADLINE_MS = 15_000

type LoggedRequest = { method: string; endpoint?: string; status?: number; body: unknown }

/** Polls `probe` until it returns a value, or fails with the last error after the deadline. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = DEADLINE_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) {
        return value
      }
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ""}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function control(sandbox: Sandbox, method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) {
    throw new Error(`sandbox ${method} ${path}: HTTP ${response.status} ${text}`)
  }
  return text ? (JSON.parse(text) as unknown) : undefined
}

/** What a received callback was, as the callback route hands it to the connector. */
function callbackInput(received: ReceivedCallback): CallbackInput {
  return {
    method: received.method === "GET" ? "GET" : "POST",
    rawBody: Buffer.from(received.rawBody, "utf8"),
    headers: received.headers,
    query: received.query,
  }
}

const sum = (values: bigint[]) => values.reduce((total, value) => total + value, 0n)

/** Part of a line: `quantity` of its units, worth their share (the last units take the rest). */
function partOf(line: PspOrderLine, quantity: number): PspOrderLine {
  if (quantity === line.quantity) {
    return line
  }
  return { ...line, quantity, totalAmount: (line.totalAmount * BigInt(quantity)) / BigInt(line.quantity) }
}

function restOf(line: PspOrderLine, part: PspOrderLine): PspOrderLine {
  return { ...line, quantity: line.quantity - part.quantity, totalAmount: line.totalAmount - part.totalAmount }
}

export function describeConnectorConformance(name: string, harness: ConformanceHarness): void {
  const [defaultCurrency] = harness.currencies
  if (!defaultCurrency) {
    throw new Error(`${name} conformance: the harness names no currency`)
  }

  describe(`${name} connector conformance (sandbox over HTTP)`, () => {
    jest.setTimeout(60_000)
    let sandbox: Sandbox
    let receiver: CallbackReceiver
    let sequence = 0

    beforeAll(async () => {
      sandbox = await startSandbox({
        ...harness.sandboxOptions,
        port: 0,
        callbackRetry: { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 2, timeoutMs: 2_000 },
      })
      receiver = await startCallbackReceiver()
    })
    afterAll(async () => {
      await receiver?.close()
      await sandbox?.close()
    })
    beforeEach(async () => {
      await sandbox.callbacksIdle()
      sandbox.reset()
      receiver.received.length = 0
    })

    const requests = async (endpoint: string): Promise<LoggedRequest[]> =>
      (await control(sandbox, "GET", `/_sandbox/requests?psp=${harness.endpoints.psp}&endpoint=${endpoint}`)) as LoggedRequest[]
    const fault = (rule: Record<string, unknown>) => control(sandbox, "POST", "/_sandbox/faults", { psp: harness.endpoints.psp, ...rule })

    type Checkout = { connector: Connector; input: CreateCheckoutInput; created: CreatedCheckout; currency: string }

    /** A checkout the shopper approved, its callbacks going to this run's receiver. */
    async function approvedCheckout(currency: ConformanceCurrency = defaultCurrency): Promise<Checkout> {
      sequence += 1
      const connector = harness.connector(sandbox, currency.code)
      const input = harness.checkout({ currency: currency.code, key: `payses_conformance_${sequence}`, callbackUrl: `${receiver.url}/hooks/psp/${name}` })
      const created = await connector.createCheckout(input)
      await harness.approve(sandbox, created)
      return { connector, input, created, currency: currency.code }
    }

    const read = (checkout: Checkout) => checkout.connector.getPayment(checkout.created.pspReference, checkout.currency)

    /** A capture or refund input in the shape the connector moves money by (lines or an amount). */
    function moneyInput(checkout: Checkout, key: string, lines: PspOrderLine[]): MoneyOperationInput {
      const byLines = checkout.connector.capabilities.moneyBy === "lines"
      return { key, currency: checkout.currency, amount: sum(lines.map((line) => line.totalAmount)), ...(byLines ? { lines } : {}) }
    }

    /**
     * An operation the PSP took: final at once where it settles synchronously, and then the
     * answer's own payment already holds the action its ids name; accepted ones carry ids to
     * find the action later.
     */
    function expectApplied(checkout: Checkout, kind: PspAction["kind"], key: string, outcome: MoneyOperationOutcome): void {
      const { capabilities } = checkout.connector
      expect(capabilities.settlement === "synchronous" ? ["succeeded"] : ["succeeded", "accepted"]).toContain(outcome.status)
      if (outcome.status === "accepted") {
        expect(outcome.pspOperationIds.length).toBeGreaterThan(0)
      }
      if (outcome.status === "succeeded" && outcome.payment && outcome.pspOperationIds.length > 0) {
        const ids = new Set(outcome.pspOperationIds)
        expect(outcome.payment.actions.filter((action) => ids.has(action.id)).map((action) => action.kind)).toContain(kind)
        expect(findPspAction(outcome.payment, kind, key, capabilities, outcome.pspOperationIds)).toBeDefined()
      }
    }

    /** The PSP's record of `key` once it settled (asynchronous PSPs confirm later). */
    async function settledAction(checkout: Checkout, kind: PspAction["kind"], key: string, ids: string[]): Promise<{ action: PspAction; payment: PspPayment }> {
      return eventually(async () => {
        const payment = await read(checkout)
        const action = findPspAction(payment, kind, key, checkout.connector.capabilities, ids)
        return action && action.status !== "pending" ? { action, payment } : undefined
      }, `${kind} ${key} settled at the PSP`)
    }

    const actionsOf = (payment: PspPayment, kind: PspAction["kind"]) => payment.actions.filter((action) => action.kind === kind)

    it("describes itself: capabilities and the currencies the harness runs", () => {
      const connector = harness.connector(sandbox, defaultCurrency.code)
      expect(connector.capabilities.moneyBy).toMatch(/^(lines|amount)$/)
      expect(connector.capabilities.settlement).toMatch(/^(synchronous|asynchronous)$/)
      expect(connector.capabilities.cancel).toMatch(/^(all|lines|none)$/)
      if (connector.capabilities.echoesKey) {
        expect(connector.capabilities.echoesKey.maxLength).toBeGreaterThanOrEqual(24)
      }
      for (const currency of harness.currencies) {
        const accepted = harness.connector(sandbox, currency.code).capabilities.currencies
        if (accepted) {
          expect(accepted).toContain(currency.code)
        }
      }
    })

    it("creates a checkout the shopper approves, and reads it back authorized with exact amounts", async () => {
      const checkout = await approvedCheckout()
      expect(checkout.created.pspReference).toBeTruthy()
      expect(checkout.created.redirectUrl).toMatch(/^https?:\/\//)
      const payment = await eventually(async () => {
        const current = await read(checkout)
        return current.state === "authorized" ? current : undefined
      }, "payment authorized")
      expect(payment).toMatchObject({
        pspReference: checkout.created.pspReference,
        currency: checkout.currency,
        totalAmount: checkout.input.amount,
        authorizedAmount: checkout.input.amount,
        capturedAmount: 0n,
        refundedAmount: 0n,
        canceledAmount: 0n,
      })
      expect(sum(checkout.input.lines.map((line) => line.totalAmount))).toBe(checkout.input.amount)
    })

    it("captures part of the order, then the rest, each exactly once, and refunds part of it", async () => {
      const checkout = await approvedCheckout()
      const [first, ...others] = checkout.input.lines
      expect(first.quantity).toBeGreaterThanOrEqual(2)
      const part = partOf(first, 1)
      const partial = await checkout.connector.capture(checkout.created.pspReference, moneyInput(checkout, "capture:conformance:part", [part]))
      expectApplied(checkout, "capture", "capture:conformance:part", partial)
      const afterPart = await settledAction(checkout, "capture", "capture:conformance:part", partial.pspOperationIds)
      expect(afterPart.action.amount).toBe(part.totalAmount)
      expect(afterPart.payment.capturedAmount).toBe(part.totalAmount)
      expect(afterPart.payment.state).toBe("authorized")

      const rest = [restOf(first, part), ...others]
      const full = await checkout.connector.capture(checkout.created.pspReference, moneyInput(checkout, "capture:conformance:rest", rest))
      expectApplied(checkout, "capture", "capture:conformance:rest", full)
      const afterRest = await settledAction(checkout, "capture", "capture:conformance:rest", full.pspOperationIds)
      expect(afterRest.action.amount).toBe(checkout.input.amount - part.totalAmount)
      expect(afterRest.payment).toMatchObject({ state: "captured", capturedAmount: checkout.input.amount, authorizedAmount: 0n })
      expect(actionsOf(afterRest.payment, "capture")).toHaveLength(2)

      const refund = await checkout.connector.refund(checkout.created.pspReference, moneyInput(checkout, "refund:conformance:part", [part]))
      expectApplied(checkout, "refund", "refund:conformance:part", refund)
      const refunded = await settledAction(checkout, "refund", "refund:conformance:part", refund.pspOperationIds)
      expect(refunded.action.amount).toBe(part.totalAmount)
      expect(refunded.payment).toMatchObject({ capturedAmount: checkout.input.amount, refundedAmount: part.totalAmount })
    })

    it("cancels an uncaptured payment: nothing stays reserved, and the cancel is found on the PSP's record", async () => {
      const checkout = await approvedCheckout()
      if (checkout.connector.capabilities.cancel === "none") {
        // the PSP lets an authorization expire and has no cancel to call: nothing to check
        return
      }
      const outcome = await checkout.connector.cancel(checkout.created.pspReference, { key: "cancel:conformance:order", currency: checkout.currency })
      expectApplied(checkout, "cancel", "cancel:conformance:order", outcome)
      const { action, payment } = await settledAction(checkout, "cancel", "cancel:conformance:order", outcome.pspOperationIds)
      expect(action.amount).toBe(checkout.input.amount)
      expect(payment).toMatchObject({ state: "canceled", authorizedAmount: 0n, capturedAmount: 0n, canceledAmount: checkout.input.amount })
    })

    it("finds a capture again by its key alone, so the engine can tell it already happened", async () => {
      const checkout = await approvedCheckout()
      const { capabilities } = checkout.connector
      const [, second] = checkout.input.lines
      const outcome = await checkout.connector.capture(checkout.created.pspReference, moneyInput(checkout, "capture:conformance:once", [second]))
      expectApplied(checkout, "capture", "capture:conformance:once", outcome)
      const { action, payment } = await settledAction(checkout, "capture", "capture:conformance:once", outcome.pspOperationIds)
      expect(action.amount).toBe(second.totalAmount)
      if (capabilities.echoesKey) {
        // by the key alone: all the engine has when the answer was lost
        expect(findPspAction(payment, "capture", "capture:conformance:once", capabilities, [])?.id).toBe(action.id)
      }
      expect(findPspAction(payment, "capture", "capture:conformance:other", capabilities, [])).toBeUndefined()
      expect(findPspAction(payment, "refund", "capture:conformance:once", capabilities, outcome.pspOperationIds)).toBeUndefined()
    })

    it("keeps two long keys that share their first 50 characters apart: two captures, two actions", async () => {
      const checkout = await approvedCheckout()
      const { capabilities } = checkout.connector
      const [first] = checkout.input.lines
      const shared = `capture:fulfillment:ful_${"0".repeat(26)}`
      expect(shared).toHaveLength(50)
      const keyA = `${shared}:instrument_a`
      const keyB = `${shared}:instrument_b`
      const part = partOf(first, 1)
      const a = await checkout.connector.capture(checkout.created.pspReference, moneyInput(checkout, keyA, [part]))
      const b = await checkout.connector.capture(checkout.created.pspReference, moneyInput(checkout, keyB, [restOf(first, part)]))
      expectApplied(checkout, "capture", keyA, a)
      expectApplied(checkout, "capture", keyB, b)
      const foundA = await settledAction(checkout, "capture", keyA, capabilities.echoesKey ? [] : a.pspOperationIds)
      const foundB = await settledAction(checkout, "capture", keyB, capabilities.echoesKey ? [] : b.pspOperationIds)
      expect(foundA.action.id).not.toBe(foundB.action.id)
      expect(foundA.action.amount).toBe(part.totalAmount)
      expect(foundB.action.amount).toBe(first.totalAmount - part.totalAmount)
      expect(actionsOf(foundB.payment, "capture")).toHaveLength(2)
      expect(foundB.payment.capturedAmount).toBe(first.totalAmount)
    })

    it("throws an unknown outcome when the answer to a capture is lost; the PSP's record shows it applied once", async () => {
      const checkout = await approvedCheckout()
      const { capabilities } = checkout.connector
      const [first] = checkout.input.lines
      await fault({ endpoint: harness.endpoints.capture, effect: "drop-response", times: 1 })
      const lost = await checkout.connector
        .capture(checkout.created.pspReference, moneyInput(checkout, "capture:conformance:lost", [first]))
        .catch((error: unknown) => error)
      expect(lost).toBeInstanceOf(PspUnknownOutcomeError)
      expect(await requests(harness.endpoints.capture)).toHaveLength(1) // never re-sent by the connector

      const payment = await eventually(async () => {
        const current = await read(checkout)
        return current.capturedAmount === first.totalAmount ? current : undefined
      }, "the lost capture visible at the PSP")
      expect(actionsOf(payment, "capture")).toHaveLength(1)
      if (capabilities.echoesKey) {
        expect(findPspAction(payment, "capture", "capture:conformance:lost", capabilities, [])).toMatchObject({ amount: first.totalAmount })
      }
    })

    it("retries a read after a 503; a 503 on a capture is an unknown outcome, and the same key sent again applies once", async () => {
      const checkout = await approvedCheckout()
      const { capabilities } = checkout.connector
      const [first] = checkout.input.lines
      const readsBefore = (await requests(harness.endpoints.read)).length
      await fault({ endpoint: harness.endpoints.read, effect: "error", status: 503, times: 1 })
      expect((await read(checkout)).pspReference).toBe(checkout.created.pspReference)
      expect((await requests(harness.endpoints.read)).length - readsBefore).toBe(2)

      await fault({ endpoint: harness.endpoints.capture, effect: "error", status: 503, times: 1 })
      const input = moneyInput(checkout, "capture:conformance:503", [first])
      await expect(checkout.connector.capture(checkout.created.pspReference, input)).rejects.toBeInstanceOf(PspUnknownOutcomeError)
      expect(await requests(harness.endpoints.capture)).toHaveLength(1)
      // what the engine does next: read the PSP's record, find nothing, send the same key again
      const before = await read(checkout)
      expect(findPspAction(before, "capture", input.key, capabilities, [])).toBeUndefined()
      const again = await checkout.connector.capture(checkout.created.pspReference, input)
      expectApplied(checkout, "capture", input.key, again)
      const { payment } = await settledAction(checkout, "capture", input.key, again.pspOperationIds)
      expect(actionsOf(payment, "capture")).toHaveLength(1)
      expect(payment.capturedAmount).toBe(first.totalAmount)
    })

    it("retries a capture answered 429 after its Retry-After, under the same key: one action at the PSP", async () => {
      const checkout = await approvedCheckout()
      const [first] = checkout.input.lines
      await fault({ endpoint: harness.endpoints.capture, effect: "error", status: 429, retryAfterSeconds: 1, times: 1 })
      const started = Date.now()
      const input = moneyInput(checkout, "capture:conformance:429", [first])
      const outcome = await checkout.connector.capture(checkout.created.pspReference, input)
      expect(Date.now() - started).toBeGreaterThanOrEqual(950)
      expectApplied(checkout, "capture", input.key, outcome)

      const sent = await requests(harness.endpoints.capture)
      expect(sent.map((request) => request.status)).toEqual([429, expect.any(Number)])
      expect(sent[1].body).toEqual(sent[0].body) // the same request: the same key
      const { payment } = await settledAction(checkout, "capture", input.key, outcome.pspOperationIds)
      expect(actionsOf(payment, "capture")).toHaveLength(1)
      expect(payment.capturedAmount).toBe(first.totalAmount)
    })

    if (harness.lateFailure) {
      const lateFailure = harness.lateFailure
      it("shows a capture the PSP accepted and failed later as a failed action, with its reason", async () => {
        const checkout = await approvedCheckout()
        const [first] = checkout.input.lines
        await lateFailure.arm(sandbox)
        const input = moneyInput(checkout, "capture:conformance:late", [first])
        const outcome = await checkout.connector.capture(checkout.created.pspReference, input)
        expectApplied(checkout, "capture", input.key, outcome)
        const { action, payment } = await settledAction(checkout, "capture", input.key, outcome.pspOperationIds)
        expect(action.status).toBe("failed")
        expect(action.failureReason).toBeTruthy()
        expect(payment.capturedAmount).toBe(0n)
      })
    }

    it("reads the callbacks the PSP really sends into hints naming the payment, and acknowledges them", async () => {
      const checkout = await approvedCheckout()
      const [first] = checkout.input.lines
      await checkout.connector.capture(checkout.created.pspReference, moneyInput(checkout, "capture:conformance:callback", [first]))
      await sandbox.callbacksIdle()
      await receiver.waitFor((callback) => callback.path === `/hooks/psp/${name}`, DEADLINE_MS)
      // our merchant reference is the payment session id, the checkout's key (providers/base/checkout.ts)
      const lookups = [
        { pspReference: checkout.created.pspReference },
        { merchantReference: checkout.input.orderReference },
        { merchantReference: checkout.input.key },
      ]
      const deliveries = receiver.received.filter((callback) => callback.path === `/hooks/psp/${name}`)
      expect(deliveries.length).toBeGreaterThanOrEqual(2) // the approval and the capture
      const dedupKeys = new Set<string | null>()
      for (const delivery of deliveries) {
        const hint = checkout.connector.parseCallback(callbackInput(delivery))
        expect(lookups).toContainEqual(hint.lookup)
        expect(hint.event).toBeTruthy()
        dedupKeys.add(hint.dedupKey)
        const answer = checkout.connector.acknowledge(hint, false)
        expect(answer.status).toBeGreaterThanOrEqual(200)
        expect(answer.status).toBeLessThan(300)
        expect(checkout.connector.acknowledge(hint, true).status).toBe(answer.status)
      }
      // a delivery read twice gives the same dedup key (a repeat is stored once); two events give two
      const once = checkout.connector.parseCallback(callbackInput(deliveries[0]))
      expect(checkout.connector.parseCallback(callbackInput(deliveries[0])).dedupKey).toBe(once.dedupKey)
      if (!dedupKeys.has(null)) {
        expect(dedupKeys.size).toBeGreaterThanOrEqual(2)
      }
    })

    it("refuses malformed or forged callbacks, or reads them as unverified hints only", async () => {
      const checkout = await approvedCheckout()
      const untrusted = harness.untrustedCallbacks(checkout.created)
      expect(untrusted.length).toBeGreaterThan(0)
      for (const input of untrusted) {
        let hint
        try {
          hint = checkout.connector.parseCallback(input)
        } catch (error) {
          expect(error).toBeInstanceOf(CallbackRejectedError)
          continue
        }
        expect(hint.verified).toBe(false)
      }
    })

    describe.each(harness.currencies.map((currency) => [currency.code.toUpperCase(), currency] as const))(
      "amounts in %s",
      (_code, currency) => {
        it(`are exact to the ${currency.exponent === 0 ? "unit" : `${currency.exponent} decimal${currency.exponent > 1 ? "s" : ""}`}, both ways`, async () => {
          const checkout = await approvedCheckout(currency)
          const unit = 10n ** BigInt(currency.exponent)
          // the harness's amounts must use the minor digits, or this would prove nothing
          if (currency.exponent > 0) {
            expect(checkout.input.lines.some((line) => line.totalAmount % unit !== 0n)).toBe(true)
          }
          const payment = await read(checkout)
          expect(payment).toMatchObject({ currency: currency.code, totalAmount: checkout.input.amount, authorizedAmount: checkout.input.amount })

          const odd = checkout.input.lines.find((line) => line.totalAmount % unit !== 0n) ?? checkout.input.lines[0]
          const outcome = await checkout.connector.capture(checkout.created.pspReference, moneyInput(checkout, `capture:conformance:${currency.code}`, [odd]))
          expectApplied(checkout, "capture", `capture:conformance:${currency.code}`, outcome)
          const { action, payment: captured } = await settledAction(checkout, "capture", `capture:conformance:${currency.code}`, outcome.pspOperationIds)
          expect(action.amount).toBe(odd.totalAmount)
          expect(captured.capturedAmount).toBe(odd.totalAmount)
          expect(captured.authorizedAmount).toBe(checkout.input.amount - odd.totalAmount)
        })
      }
    )
  })
}
