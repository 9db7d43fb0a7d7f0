/**
 * Model-based lifecycle test (fast-check `commands`): random short sequences of checkout
 * (approve, or hold then release/reject), fulfillments, returns, cancel, admin captures and
 * refunds (keys sometimes repeated), PSP faults (503, lost response, 429, latency), callback
 * faults (drop, duplicate, reorder) and crashes (an operation left behind under an expired lease)
 * run against the real Medusa app, real PostgreSQL and the Resurs sandbox. After every command the
 * sandbox, the payment ledger and Medusa (payment, collection, order transactions) must agree with
 * the reference model (support/model.ts); never more captured than authorized; one PSP movement
 * per key. One order per sequence, so sequences are independent.
 *
 * MODEL_RUNS (default 10) sequences of at most MODEL_MAX_COMMANDS (default 8) commands;
 * MODEL_SEED replays a run. `npm run test:model -- --runs 500` for a long run.
 */
import { execFileSync } from "node:child_process"
import fc from "fast-check"
import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import { updateInventoryLevelsWorkflow } from "@medusajs/medusa/core-flows"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { usePspSandbox } from "../http/support/psp-sandbox"
import { resursStore } from "../http/support/resurs-store"
import { AdminMove, CrashDuringCapture, Fulfill, lifecycleCommands, PspFault, ReceiveReturn, type ModelCommand } from "./support/commands"
import { newOrderModel } from "./support/model"
import { settle, startOrder, type ResursHelpers } from "./support/system"

const RUNS = Number(process.env.MODEL_RUNS ?? 10)
const MAX_COMMANDS = Number(process.env.MODEL_MAX_COMMANDS ?? 8)
/**
 * MODEL_SEED replays a run. Under CI the seed comes from the commit: a CI run can be replayed
 * exactly, and every commit still explores other sequences.
 */
function seedOfCommit(): number | undefined {
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: __dirname, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
    return /^[0-9a-f]{8}/.test(head) ? parseInt(head.slice(0, 8), 16) | 0 : undefined
  } catch {
    return undefined
  }
}
const SEED = process.env.MODEL_SEED ? Number(process.env.MODEL_SEED) : process.env.CI ? seedOfCommit() : undefined
// a sequence takes seconds; the budget leaves room for shrinking a failure
const BUDGET_MS = 10 * 60 * 1000 + RUNS * 90 * 1000

jest.setTimeout(BUDGET_MS + 60 * 1000)

const psp = usePspSandbox()

type Start = "approve" | "hold"

/** Faults left over from an earlier sequence (a fault no call consumed) must not leak into the next. */
async function clearFaults(t: ResursHelpers): Promise<void> {
  await t.control.delete("/_sandbox/faults")
  const { data: callbackFaults } = await t.control.get("/_sandbox/callback-faults")
  for (const fault of callbackFaults as { id: string }[]) {
    await t.control.delete(`/_sandbox/callback-faults/${fault.id}`)
  }
  await t.callbacksIdle().catch(() => undefined)
}

/** Enough stock for any number of sequences: the demo's stock runs out after a few dozen orders. */
async function unlimitedStock(container: MedusaContainer, locationId: string): Promise<void> {
  const inventory = container.resolve(Modules.INVENTORY)
  const levels = await inventory.listInventoryLevels({ location_id: locationId })
  await updateInventoryLevelsWorkflow(container).run({
    input: { updates: levels.map((level) => ({ id: level.id, inventory_item_id: level.inventory_item_id, location_id: locationId, stocked_quantity: 1_000_000 })) },
  })
}

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    /** Runs one sequence on a fresh order; answers how long the checkout took (ms). */
    const runSequence = async (t: ResursHelpers, start: Start, commands: Iterable<ModelCommand>): Promise<number> => {
      const began = Date.now()
      await clearFaults(t)
      const system = await startOrder(t, getContainer(), start)
      const model = newOrderModel(start === "approve" ? "placed" : "held")
      await settle(system, model, `checkout (${start})`)
      const checkout = Date.now() - began
      await fc.asyncModelRun(() => ({ model, real: system }), commands)
      return checkout
    }

    it(`${RUNS} random lifecycle sequences (at most ${MAX_COMMANDS} commands each) keep sandbox = ledger = Medusa = model`, async () => {
      const t = await resursStore(api, getContainer(), psp)
      await unlimitedStock(getContainer(), t.store.stockLocationId)
      const started = Date.now()
      let sequences = 0
      await fc.assert(
        fc.asyncProperty(fc.constantFrom<Start>("approve", "approve", "approve", "hold"), lifecycleCommands(MAX_COMMANDS), async (start, commands) => {
          const began = Date.now()
          const checkout = await runSequence(t, start, commands)
          sequences++
          if (process.env.MODEL_PROGRESS) {
            process.stderr.write(`model: sequence ${sequences} (${start}; ${commands.toString()}) ${Date.now() - began} ms, checkout ${checkout} ms\n`)
          }
        }),
        { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: true }
      )
      process.stderr.write(`model: ${sequences} sequences passed in ${Math.round((Date.now() - started) / 1000)} s${SEED !== undefined ? ` (seed ${SEED})` : ""}\n`)
    })

    // Every shrunk failure the property found, kept as a fixed sequence (see the README).
    const regressions: { name: string; start: Start; commands: () => ModelCommand[] }[] = [
      {
        // found by the property (seed -678368242): the shipment captured the sweater the admin had already captured
        name: "a unit the admin captured ahead of its shipment is not captured again when it ships",
        start: "approve",
        commands: () => [new AdminMove("capture", [0, 0, 1], false, false), new Fulfill([0, 1, 1])],
      },
      {
        // the same cause: shipping more units than were left to capture failed the whole capture
        name: "shipping every unit after the admin captured one of them captures the rest, not nothing",
        start: "approve",
        commands: () => [new AdminMove("capture", [0, 0, 1], false, false), new Fulfill([0, 0, 3])],
      },
      {
        // found by the long run (seed -1504795950): the second return was refused ("Order … already
        // has an existing active order change") while Medusa's refundPaymentWorkflow was still
        // confirming the first refund's credit line; a settled order has no open order change
        name: "a second return of the same line after the first one was received and refunded",
        start: "approve",
        commands: () => [new Fulfill([0, 0, 2]), new ReceiveReturn([0, 0, 1]), new ReceiveReturn([0, 0, 1])],
      },
      {
        // found by a CI run (seed -351444659): receiving a return makes Medusa recreate the payment
        // collection and cancel the partly captured payment; the provider released the rest of the
        // authorization, so the next shipment could not be captured ("the instrument is closed")
        name: "a shipment after a received and refunded return is still captured",
        start: "approve",
        commands: () => [new Fulfill([0, 1, 0]), new ReceiveReturn([0, 1, 0]), new Fulfill([0, 0, 1])],
      },
      {
        // found by the long run (seed 903680019), a defect of the test: the crashed worker's own
        // PSP call met the 503 a PspFault had left and failed the sequence instead of dying with it
        name: "a worker that crashed after a PSP call that failed leaves one capture after the reconcile",
        start: "approve",
        commands: () => [new PspFault("capture", "503"), new CrashDuringCapture([0, 0, 1], "after-psp")],
      },
    ]
    for (const regression of regressions) {
      it(`regression: ${regression.name}`, async () => {
        const t = await resursStore(api, getContainer(), psp)
        await runSequence(t, regression.start, regression.commands())
      })
    }
  },
})
