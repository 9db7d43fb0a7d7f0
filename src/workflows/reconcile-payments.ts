/**
 * Reconciliation: make Medusa and the PSP agree, whatever was lost on the way.
 *
 * - reconcileCanceledOrder, after Medusa core canceled an order (core cancels uncaptured payments
 *   and refunds captured ones, but swallows PSP errors and never releases the uncaptured rest of
 *   a partly captured payment): release what the PSP still reserves, refund what it captured and
 *   did not refund, record it in Medusa; what cannot be fixed now is written on the instrument.
 * - reconcilePayments, the scheduled job: settles open operations nobody holds a live lease on
 *   (unknown outcomes, accepted ones, abandoned calls), records in Medusa the PSP movements not
 *   recorded yet, syncs the payments whose sync was asked for and not done (a lost event), whose
 *   callbacks were never processed, or which the PSP may still decide on (polled), and retries
 *   canceled orders with an open issue.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { fromMinorUnits } from "../lifecycle/money"
import { operationKey, tenderPartKey } from "../lifecycle/keys"
import { splitAcrossTenders } from "../lifecycle/tender-split"
import { runMoneyOperation, settleInstrument } from "../settlement"
import { syncPaymentWithPsp } from "./sync-payment-with-psp"
import { ledgerOf, operationContext, orderPayments } from "./utils/order-payments"
import { recordInMedusa, settleAndRecord } from "./utils/record-in-medusa"
import { verifyMedusaRecords } from "./utils/verify-medusa-record"

export async function reconcileCanceledOrder(container: MedusaContainer, orderId: string): Promise<{ issues: string[] }> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const ledger = ledgerOf(container)
  const issues: string[] = []
  for (const payment of await orderPayments(container, orderId)) {
    const { instrument } = payment
    const currency = instrument.currency_code
    const context = await operationContext(container, instrument)
    const problems: string[] = []
    // each step on its own: one failing (and written down) must not keep the others from running
    const attempt = async (step: () => Promise<unknown>) => {
      try {
        await step()
      } catch (error) {
        problems.push((error as Error).message)
      }
    }
    await attempt(() => settleAndRecord(container, payment, { orderCanceled: true }))
    await attempt(async () => {
      const atPsp = await context.connector.getPayment(instrument.psp_reference!, currency)
      // a PSP without a cancel: a closed ledger already released the rest (it expires at the PSP)
      const releasedByExpiry = context.connector.capabilities.cancel === "none" && (await ledger.getInstrumentLedger(instrument.id)).ledger.closed
      if (atPsp.authorizedAmount > 0n && !releasedByExpiry) {
        const key = operationKey({ kind: "cancel", source: "order-cancel", id: orderId, instrumentId: instrument.id })
        await runMoneyOperation(context, { kind: "cancel", key, origin: `order-cancel:${orderId}` })
      }
    })
    await attempt(async () => {
      const atPsp = await context.connector.getPayment(instrument.psp_reference!, currency)
      const unrefunded = atPsp.capturedAmount - atPsp.refundedAmount
      if (unrefunded <= 0n) {
        return
      }
      const key = operationKey({ kind: "refund", source: "order-cancel", id: orderId, instrumentId: instrument.id })
      // several tenders (a gift card and a card): each refunds what it has left, under its own key
      const split = (atPsp.tenders ?? []).length > 1 ? splitAcrossTenders("refund", atPsp.tenders!, unrefunded) : undefined
      if (split && "refused" in split) {
        throw new Error(`refund on cancel: ${split.refused}`)
      }
      const parts = split ? split.parts.map((part) => ({ ...part, key: tenderPartKey(key, part.tenderId) })) : [{ key, amount: unrefunded }]
      for (const part of parts) {
        const operation = await runMoneyOperation(context, { kind: "refund", origin: `order-cancel:${orderId}`, ...part })
        await recordInMedusa(container, payment.paymentId, operation, currency, { orderCanceled: true })
      }
    })

    // what is still wrong, as the PSP sees it
    await attempt(async () => {
      const atPsp = await context.connector.getPayment(instrument.psp_reference!, currency)
      // a PSP without a cancel (capabilities.cancel "none") releases the rest when the
      // authorization expires: the ledger's cancel says so, and it is no problem to report
      if (atPsp.authorizedAmount > 0n && context.connector.capabilities.cancel !== "none") {
        problems.push(`${fromMinorUnits(atPsp.authorizedAmount, currency)} ${currency.toUpperCase()} still reserved at the PSP`)
      }
      if (atPsp.capturedAmount > atPsp.refundedAmount) {
        problems.push(`${fromMinorUnits(atPsp.capturedAmount - atPsp.refundedAmount, currency)} ${currency.toUpperCase()} captured and not refunded`)
      }
    })
    const issue = problems.length ? `order ${orderId} canceled: ${problems.join("; ")}` : null
    if (issue) {
      logger.warn(`payment instrument ${instrument.id}: ${issue}`)
      issues.push(issue)
    }
    if (issue !== instrument.reconcile_issue) {
      await ledger.updatePaymentInstruments({ id: instrument.id, reconcile_issue: issue })
    }
  }
  return { issues }
}

export type ReconcileResult = { operations_settled: number; payments_synced: number; orders_reconciled: number; issues: string[] }

/**
 * One reconcile at a time, across processes (Medusa's locking module: Redis in production): a run
 * that outlives its minute, and a run asked for meanwhile, wait for the one in progress and then
 * find its repairs done. Its checks and repairs of Medusa's records are not safe to interleave (two
 * runs would both add a missing order transaction).
 */
const RECONCILE_LOCK = "medusa-order-payments:reconcile"
const RECONCILE_LOCK_WAIT_SECONDS = 300

export async function reconcilePayments(container: MedusaContainer, input: { olderThanSeconds?: number } = {}): Promise<ReconcileResult> {
  const locking = container.resolve(Modules.LOCKING)
  return locking.execute(RECONCILE_LOCK, () => reconcileOnce(container, input), { timeout: RECONCILE_LOCK_WAIT_SECONDS })
}

async function reconcileOnce(container: MedusaContainer, input: { olderThanSeconds?: number }): Promise<ReconcileResult> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const ledger = ledgerOf(container)
  const seconds = input.olderThanSeconds ?? ledger.lifecyclePolicy().reconcileAfterSeconds
  const policy = ledger.lifecyclePolicy()
  const { operations, unrecorded, unverified, syncs } = await ledger.listUnsettledWork(new Date(Date.now() - seconds * 1000), policy.pollPaymentsForHours)
  const result: ReconcileResult = { operations_settled: 0, payments_synced: 0, orders_reconciled: 0, issues: [] }

  // Medusa's record of each movement, checked once: completed where a crash left it half done;
  // a Capture/Refund that Medusa never kept (the process stopped between the PSP's answer and
  // Medusa's rollback) makes the operation recordable again.
  const { lost, repaired } = await verifyMedusaRecords(container, unverified)
  for (const problem of repaired) {
    logger.warn(`reconcile: completed Medusa's record: ${problem}`)
  }
  for (const operation of lost) {
    await ledger.releaseMedusaRecord({ operation_id: operation.id, medusa_record_id: operation.medusa_record_id! })
  }

  // operations and unrecorded movements, per instrument, through its order's payment
  const instrumentIds = [...new Set([...operations, ...unrecorded, ...lost].map((operation) => operation.instrument_id))]
  const withIssues = await ledger.listPaymentInstruments({ reconcile_issue: { $ne: null } } as never, { select: ["id"] })
  for (const instrumentId of [...new Set([...instrumentIds, ...withIssues.map((instrument) => instrument.id)])]) {
    const { data: links } = await query.graph({
      entity: "payment_instrument",
      fields: ["id", "order.id", "order.status"],
      filters: { id: instrumentId },
    })
    const order = (links[0] as { order?: { id: string; status: string } | null } | undefined)?.order
    try {
      if (!order) {
        // no order (yet, or ever: a replaced session's release): settle against the PSP alone
        const { instrument } = await ledger.getInstrumentLedger(instrumentId)
        await settleInstrument(await operationContext(container, instrument))
        continue
      }
      if (order.status === "canceled") {
        result.issues.push(...(await reconcileCanceledOrder(container, order.id)).issues)
        result.orders_reconciled++
      } else {
        for (const payment of (await orderPayments(container, order.id)).filter((p) => p.instrument.id === instrumentId)) {
          await settleAndRecord(container, payment)
        }
      }
      result.operations_settled += operations.filter((operation) => operation.instrument_id === instrumentId).length
    } catch (error) {
      logger.warn(`reconcile: instrument ${instrumentId}: ${(error as Error).message}`)
      result.issues.push(`instrument ${instrumentId}: ${(error as Error).message}`)
    }
  }

  for (const instrumentId of syncs) {
    try {
      await syncPaymentWithPsp(container, { instrument_id: instrumentId, source: "reconcile" })
      result.payments_synced++
    } catch (error) {
      logger.warn(`reconcile: sync of instrument ${instrumentId}: ${(error as Error).message}`)
    }
  }
  return result
}

const reconcilePaymentsStep = createStep("reconcile-payments-step", async (input: { olderThanSeconds?: number }, { container }) => {
  return new StepResponse(await reconcilePayments(container, input))
})

export const reconcilePaymentsWorkflow = createWorkflow("reconcile-payments", (input: { olderThanSeconds?: number }) => {
  return new WorkflowResponse(reconcilePaymentsStep(input))
})

const reconcileCanceledOrderStep = createStep("reconcile-canceled-order-step", async (input: { order_id: string }, { container }) => {
  return new StepResponse(await reconcileCanceledOrder(container, input.order_id))
})

export const reconcileCanceledOrderWorkflow = createWorkflow("reconcile-canceled-order", (input: { order_id: string }) => {
  return new WorkflowResponse(reconcileCanceledOrderStep(input))
})
