import { StatusBadge } from "@medusajs/ui"
import type { InstrumentState, OperationStatus, StorePayment, StorePaymentState } from "../../lib/payment-instruments"
import { humanize } from "./format"

type BadgeColor = "green" | "red" | "blue" | "orange" | "grey" | "purple"

const STORE_PAYMENT: Record<StorePaymentState, { color: BadgeColor; label: string }> = {
  pending: { color: "grey", label: "Awaiting the PSP" },
  processing: { color: "green", label: "Processing" },
  on_hold: { color: "orange", label: "On hold" },
  failed: { color: "red", label: "Failed" },
}

/** The store payment state of `metadata.psp_payment`; on hold shows the PSP's status, the reason for the hold. */
export function StorePaymentBadge({ payment }: { payment: StorePayment }) {
  const { color, label } = STORE_PAYMENT[payment.state] ?? { color: "grey", label: humanize(payment.state) }
  const detail = payment.state !== "processing" && payment.psp_status ? ` · ${payment.psp_status}` : ""
  return (
    <StatusBadge color={color} className="shrink-0 whitespace-nowrap">
      {`${label}${detail}`}
    </StatusBadge>
  )
}

const INSTRUMENT: Record<InstrumentState, BadgeColor> = {
  token: "grey",
  authorized: "blue",
  partially_captured: "blue",
  captured: "green",
  partially_refunded: "orange",
  refunded: "purple",
  canceled: "grey",
}

export function InstrumentStateBadge({ state }: { state: InstrumentState }) {
  return (
    <StatusBadge color={INSTRUMENT[state] ?? "grey"} className="shrink-0 whitespace-nowrap">
      {humanize(state)}
    </StatusBadge>
  )
}

/** Each operation state in a shop owner's words, with what happens next. */
export const OPERATION: Record<OperationStatus, { color: BadgeColor; label: string; explanation: string }> = {
  requested: { color: "grey", label: "Sent", explanation: "Sent to the PSP; waiting for its answer." },
  unknown: {
    color: "orange",
    label: "Answer lost",
    explanation: "The PSP did not answer (timeout, error or rate limit). The plugin checks the PSP's records and finishes it; nothing is charged twice.",
  },
  accepted: { color: "blue", label: "Awaiting PSP confirmation", explanation: "The PSP accepted it and confirms later; it is recorded on the order then." },
  succeeded: { color: "green", label: "Done", explanation: "Confirmed by the PSP and recorded on the order." },
  failed: { color: "red", label: "Refused", explanation: "The PSP refused it: no money moved." },
  lapsed: {
    color: "red",
    label: "Failed after acceptance",
    explanation: "The PSP accepted it, then it failed: no money moved and the amount can no longer be captured. Cancel the shipment or contact the shopper.",
  },
}

export function OperationStatusBadge({ status }: { status: OperationStatus }) {
  const { color, label } = OPERATION[status] ?? { color: "grey", label: humanize(status) }
  return (
    <StatusBadge color={color} className="shrink-0 whitespace-nowrap">
      {label}
    </StatusBadge>
  )
}
