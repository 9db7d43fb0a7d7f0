/**
 * The admin routes of the plugin's payment ledger, as the dashboard consumes them:
 * `GET /admin/orders/:id/payment-instruments` and the capture/refund of chosen lines.
 * Amounts arrive as decimal strings of the order's currency and are only ever displayed.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { sdk } from "./sdk"

export type InstrumentState = "token" | "authorized" | "partially_captured" | "captured" | "partially_refunded" | "refunded" | "canceled"
export type OperationKind = "authorize" | "capture" | "refund" | "cancel"
export type OperationStatus = "requested" | "unknown" | "accepted" | "succeeded" | "failed" | "lapsed"

export type InstrumentAmounts = {
  amount: string
  authorized: string
  captured: string
  refunded: string
  canceled: string
  capturable: string
  refundable: string
}

export type InstrumentLine = {
  reference: string
  description: string
  kind: string
  order_item_id: string | null
  quantity: number
  total: string
  captured_quantity: number
  refunded_quantity: number
  canceled_quantity: number
}

export type InstrumentOperation = {
  kind: OperationKind
  idempotency_key: string
  origin: string | null
  status: OperationStatus
  amount: string
  lines: { reference: string; quantity: number; amount: string }[]
  attempts: number
  psp_operation_ids: string[]
  tender_id: string | null
  medusa_record_id: string | null
  error: { code?: string; message?: string } | null
  created_at: string
  completed_at: string | null
}

export type PspStatusEntry = { status: string; source: string; at: string }

/** One means of payment inside the PSP payment (a CM.com gift card or card); amounts as decimal strings. */
export type InstrumentTender = {
  id: string
  method: string
  authorized: string
  captured: string
  refunded: string
  captured_at_authorization: boolean
}

export type PaymentInstrument = {
  id: string
  payment_id: string
  provider_id: string
  psp_reference: string | null
  currency_code: string
  state: InstrumentState
  psp_status: string | null
  reconcile_issue: string | null
  amounts: InstrumentAmounts
  lines: InstrumentLine[]
  operations: InstrumentOperation[]
  callbacks: { dedup_key: string; verified: boolean; received_at: string; processed_at: string | null; outcome: string | null }[]
  psp_status_history: PspStatusEntry[] | null
  /** the PSP payment's means of payment as last read (CM.com); empty for PSPs with one */
  tenders?: InstrumentTender[]
}

/** What the order's `metadata.psp_payment` says about the store payment. */
export type StorePaymentState = "pending" | "processing" | "on_hold" | "failed"
export type StorePayment = { state: StorePaymentState; psp_status?: string | null; provider_id?: string; psp_reference?: string | null; updated_at?: string }

export type MoveKind = "capture" | "refund"
export type MoveLinesBody = { items: { id: string; quantity: number }[]; include_shipping?: boolean }
export type MoveLinesResult = { status: "done" | "pending" | "nothing_to_do"; operations: { instrument_id: string; key: string; status: string }[] }

const UNSETTLED_REFRESH_MS = 10_000

export const isUnsettled = (operation: InstrumentOperation): boolean =>
  operation.status === "requested" || operation.status === "unknown" || operation.status === "accepted"

const hasUnsettledOperation = (instrument: PaymentInstrument): boolean => instrument.operations.some(isUnsettled)

const instrumentsKey = (orderId: string) => ["medusa-order-payments", "payment-instruments", orderId] as const

export function usePaymentInstruments(orderId: string) {
  return useQuery({
    queryKey: instrumentsKey(orderId),
    queryFn: () => sdk.client.fetch<{ payment_instruments: PaymentInstrument[] }>(`/admin/orders/${orderId}/payment-instruments`),
    select: (response) => response.payment_instruments,
    // an unknown outcome settles in the background (reconcile job, next callback): watch it land
    refetchInterval: (query) => (query.state.data?.payment_instruments.some(hasUnsettledOperation) ? UNSETTLED_REFRESH_MS : false),
  })
}

/**
 * Captures or refunds chosen lines. The caller passes the Idempotency-Key so that it decides when
 * a submit is a retry of the same request (same key) or a new one.
 */
export function useMoveLines(orderId: string, kind: MoveKind) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ body, idempotencyKey }: { body: MoveLinesBody; idempotencyKey: string }) =>
      sdk.client.fetch<MoveLinesResult>(`/admin/orders/${orderId}/payment-instruments/${kind}`, {
        method: "POST",
        body,
        headers: { "Idempotency-Key": idempotencyKey },
      }),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: instrumentsKey(orderId) }),
        // the dashboard's own order queries: its payment section shows the new capture or refund
        queryClient.invalidateQueries({ queryKey: ["orders"] }),
      ]),
  })
}

/** A random key that also works where `crypto.randomUUID` does not (an admin served over plain http). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return `admin-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`
}

export function storePaymentOf(metadata: Record<string, unknown> | null | undefined): StorePayment | undefined {
  const candidate = metadata?.psp_payment
  if (!candidate || typeof candidate !== "object" || !("state" in candidate)) {
    return undefined
  }
  return candidate as StorePayment
}
