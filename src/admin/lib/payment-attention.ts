/**
 * `GET /admin/payment-attention` as the "Payments attention" page consumes it. Amounts arrive as
 * decimal strings of the payment's currency and are only ever displayed.
 */
import { useQuery } from "@tanstack/react-query"
import { sdk } from "./sdk"

export type AttentionOrder = { id: string; display_id: number | null }

type AttentionPayment = {
  instrument_id: string
  order: AttentionOrder | null
  provider_id: string
  psp_reference: string | null
  psp_status: string | null
  currency_code: string
  amount: string
  authorized: string
  since: string
}

export type HoldReason = "psp_on_hold" | "not_safe_to_ship" | "partly_paid"
export type HeldPayment = AttentionPayment & { reason: HoldReason }
export type IssuePayment = AttentionPayment & { issue: string }

export type AttentionOperation = {
  id: string
  instrument_id: string
  order: AttentionOrder | null
  kind: string
  key: string
  status: "unknown" | "lapsed"
  amount: string
  currency_code: string
  provider_id: string
  psp_reference: string | null
  psp_operation_ids: string[]
  attempts: number
  error: { code?: string; message?: string } | null
  since: string
}

export type RejectedCallbacks = { provider_id: string; reason: string; count: number; first_hour: string; last_seen_at: string }

type Page<T> = { count: number; rows: T[] }

export type PaymentAttention = {
  limit: number
  offset: number
  on_hold: Page<HeldPayment>
  operations: Page<AttentionOperation>
  reconcile_issues: Page<IssuePayment>
  rejected_callbacks: Page<RejectedCallbacks>
}

export const ATTENTION_PAGE_SIZE = 20
const REFRESH_MS = 30_000

export function usePaymentAttention(offset: number) {
  return useQuery({
    queryKey: ["medusa-order-payments", "payment-attention", offset],
    queryFn: () =>
      sdk.client.fetch<PaymentAttention>("/admin/payment-attention", { query: { limit: ATTENTION_PAGE_SIZE, offset } }),
    // what needs a person changes without anyone on the page (callbacks, the reconcile job)
    refetchInterval: REFRESH_MS,
  })
}
