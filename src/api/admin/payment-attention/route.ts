/**
 * GET /admin/payment-attention?limit=&offset= — what needs a person across the store, for the
 * admin's "Payments attention" page: orders on hold and why, operations whose outcome is unknown
 * or that lapsed, open reconcile issues, and callbacks rejected in the last day. One query per
 * category (paginated, with its total count) and one more for the orders of all listed payments.
 * Amounts are decimal strings of the payment's currency.
 */
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { fromMinorUnits } from "../../../lifecycle/money"
import type { AttentionInstrument } from "../../../modules/payment-ledger"
import { ledgerOf } from "../../../workflows/utils/order-payments"
import { AdminPaymentAttentionQuery } from "./validators"

const REJECTED_WITHIN_MS = 24 * 3600 * 1000

type OrderRef = { id: string; display_id: number | null }

export const GET = async (req: MedusaRequest, res: MedusaResponse): Promise<void> => {
  const parsed = AdminPaymentAttentionQuery.safeParse(req.query)
  if (!parsed.success) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, parsed.error.issues.map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`).join("; "))
  }
  const { limit, offset } = parsed.data
  const attention = await ledgerOf(req.scope).listPaymentAttention({ limit, offset, rejectedSince: new Date(Date.now() - REJECTED_WITHIN_MS) })

  // the orders of every listed payment, in one query
  const instrumentIds = [
    ...new Set([
      ...attention.on_hold.rows.map((row) => row.id),
      ...attention.operations.rows.map((row) => row.instrument_id),
      ...attention.reconcile_issues.rows.map((row) => row.id),
    ]),
  ]
  const orders = new Map<string, OrderRef>()
  if (instrumentIds.length) {
    const { data } = await req.scope
      .resolve(ContainerRegistrationKeys.QUERY)
      .graph({ entity: "payment_instrument", fields: ["id", "order.id", "order.display_id"], filters: { id: instrumentIds } })
    for (const row of data as { id: string; order?: OrderRef | null }[]) {
      if (row.order?.id) {
        orders.set(row.id, { id: row.order.id, display_id: row.order.display_id ?? null })
      }
    }
  }
  const money = (minor: string, currency: string) => fromMinorUnits(BigInt(minor), currency)
  const payment = (row: AttentionInstrument) => ({
    instrument_id: row.id,
    order: orders.get(row.id) ?? null,
    provider_id: row.provider_id,
    psp_reference: row.psp_reference,
    psp_status: row.psp_status,
    currency_code: row.currency_code,
    amount: money(row.amount, row.currency_code),
    authorized: money(row.authorized_amount, row.currency_code),
    since: row.updated_at,
  })

  res.json({
    limit,
    offset,
    on_hold: {
      count: attention.on_hold.count,
      rows: attention.on_hold.rows.map((row) => ({ ...payment(row), reason: row.hold_reason })),
    },
    operations: {
      count: attention.operations.count,
      rows: attention.operations.rows.map((row) => ({
        id: row.id,
        instrument_id: row.instrument_id,
        order: orders.get(row.instrument_id) ?? null,
        kind: row.kind,
        key: row.idempotency_key,
        status: row.status,
        amount: money(row.amount, row.currency_code),
        currency_code: row.currency_code,
        provider_id: row.provider_id,
        psp_reference: row.psp_reference,
        psp_operation_ids: row.psp_operation_ids ?? [],
        attempts: row.attempts,
        error: row.error,
        since: row.updated_at,
      })),
    },
    reconcile_issues: {
      count: attention.reconcile_issues.count,
      rows: attention.reconcile_issues.rows.map((row) => ({ ...payment(row), issue: row.reconcile_issue })),
    },
    rejected_callbacks: {
      count: attention.rejected_callbacks.count,
      rows: attention.rejected_callbacks.rows,
    },
  })
}
