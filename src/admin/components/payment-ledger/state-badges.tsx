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

const OPERATION: Record<OperationStatus, BadgeColor> = {
  requested: "grey",
  pending: "orange",
  succeeded: "green",
  failed: "red",
}

export function OperationStatusBadge({ status }: { status: OperationStatus }) {
  return <StatusBadge color={OPERATION[status] ?? "grey"}>{status}</StatusBadge>
}
