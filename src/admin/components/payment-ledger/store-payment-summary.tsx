import { Text } from "@medusajs/ui"
import type { StorePayment } from "../../lib/payment-instruments"
import { providerName, when } from "./format"

const WAITING: Record<StorePayment["state"], string> = {
  pending: "The PSP has not decided yet.",
  processing: "The PSP accepted the payment; Medusa has not recorded it yet.",
  on_hold: "The PSP holds the payment (for example a manual credit check). The ledger appears once the PSP releases it.",
  failed: "The PSP did not accept the payment: nothing was authorized.",
}

/**
 * What the order's metadata knows about a plugin payment that has no ledger to show yet (no
 * Medusa payment while the PSP holds or refuses it).
 */
export function StorePaymentSummary({ payment }: { payment: StorePayment }) {
  return (
    <div className="flex flex-col gap-y-1 px-6 py-4">
      <Text size="small" leading="compact" weight="plus" className="capitalize">
        {payment.provider_id ? providerName(payment.provider_id) : "PSP"}
      </Text>
      {payment.psp_reference && (
        <Text size="xsmall" leading="compact" className="font-mono text-ui-fg-subtle">
          {payment.psp_reference}
        </Text>
      )}
      <Text size="xsmall" leading="compact" className="text-ui-fg-subtle">
        PSP status: {payment.psp_status ?? "—"} · {when(payment.updated_at)}
      </Text>
      <Text size="small" className="text-ui-fg-subtle">
        {WAITING[payment.state] ?? ""}
      </Text>
    </div>
  )
}
