/** The admin's view of an instrument: amounts as decimal strings of the currency, never raw minor units. */
import { balances } from "../../lifecycle/ledger"
import { fromMinorUnits } from "../../lifecycle/money"
import type { InstrumentWithHistory } from "../../modules/payment-ledger"
import { checkoutLinesOf } from "../../settlement"

export function presentInstrument(paymentId: string | null, { instrument, operations, callbacks, ledger }: InstrumentWithHistory) {
  const currency = instrument.currency_code
  const money = (minor: bigint | string) => fromMinorUnits(BigInt(minor), currency)
  const { capturable, refundable } = balances(ledger)
  const checkout = new Map(checkoutLinesOf(instrument).map((line) => [line.reference, line]))
  return {
    id: instrument.id,
    payment_id: paymentId,
    provider_id: instrument.provider_id,
    psp_reference: instrument.psp_reference,
    currency_code: currency,
    state: instrument.state,
    psp_status: instrument.psp_status,
    psp_state: instrument.psp_state,
    reconcile_issue: instrument.reconcile_issue,
    amounts: {
      amount: money(ledger.amount),
      authorized: money(ledger.authorized),
      captured: money(ledger.captured),
      refunded: money(ledger.refunded),
      canceled: money(ledger.canceled),
      capturable: money(capturable),
      refundable: money(refundable),
    },
    lines: ledger.lines.map((line) => ({
      reference: line.id,
      description: checkout.get(line.id)?.description ?? line.id,
      kind: checkout.get(line.id)?.kind ?? "product",
      order_item_id: checkout.get(line.id)?.orderItemId ?? null,
      quantity: line.quantity,
      total: money(line.totalAmount),
      captured_quantity: line.captured,
      refunded_quantity: line.refunded,
      canceled_quantity: line.canceled,
    })),
    operations: operations.map((operation) => ({
      kind: operation.kind,
      idempotency_key: operation.idempotency_key,
      origin: operation.origin,
      status: operation.status,
      amount: money(operation.amount),
      lines: operation.lines.map((line) => ({ reference: line.id, quantity: line.quantity, amount: money(line.amount ?? "0") })),
      attempts: operation.attempts,
      psp_operation_ids: operation.psp_operation_ids ?? [],
      tender_id: operation.tender_id,
      lease_expires_at: operation.lease_expires_at,
      medusa_record_id: operation.medusa_record_id,
      error: operation.error,
      created_at: operation.created_at,
      completed_at: operation.completed_at,
    })),
    callbacks: callbacks.map((callback) => ({
      dedup_key: callback.dedup_key,
      verified: callback.verified,
      received_at: callback.received_at,
      processed_at: callback.processed_at,
      outcome: callback.outcome,
      payload: callback.payload,
    })),
    psp_status_history: instrument.psp_status_history,
    /** the PSP payment's means of payment as last read (CM.com: a gift card and a card); empty for PSPs with one */
    tenders: tendersOf(instrument.metadata).map((tender) => ({
      id: tender.id,
      method: tender.method,
      authorized: money(tender.authorized),
      captured: money(tender.captured),
      refunded: money(tender.refunded),
      captured_at_authorization: tender.captured_at_authorization,
    })),
  }
}

type StoredTender = { id: string; method: string; authorized: string; captured: string; refunded: string; captured_at_authorization: boolean }

function tendersOf(metadata: Record<string, unknown> | null | undefined): StoredTender[] {
  const tenders = metadata?.psp_tenders
  return Array.isArray(tenders) ? (tenders as StoredTender[]).filter((tender) => tender && typeof tender.id === "string") : []
}
