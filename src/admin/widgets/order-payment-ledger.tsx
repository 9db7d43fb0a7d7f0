/**
 * The order page's PSP payment ledger: per payment of this plugin, its amounts, lines, operations,
 * reconciliation issue and PSP status history, with capture/refund of chosen lines. While the PSP
 * holds or refused the payment there is no ledger yet: the order's `metadata.psp_payment` is shown.
 * Renders nothing for orders paid through other providers.
 */
import { defineWidgetConfig } from "@medusajs/admin-sdk"
import type { AdminOrder, DetailWidgetProps } from "@medusajs/framework/types"
import { Container, Heading, StatusBadge, Text } from "@medusajs/ui"
import { storePaymentOf, usePaymentInstruments } from "../lib/payment-instruments"
import { InstrumentSection } from "../components/payment-ledger/instrument-section"
import { StorePaymentBadge } from "../components/payment-ledger/state-badges"
import { StorePaymentSummary } from "../components/payment-ledger/store-payment-summary"

const OrderPaymentLedgerWidget = ({ data: order }: DetailWidgetProps<AdminOrder>) => {
  const { data: instruments, isPending, error } = usePaymentInstruments(order.id)
  const storePayment = storePaymentOf(order.metadata)
  // the checkout's payment state stays `processing` after the order is canceled: say what matters now

  if (isPending || (instruments && !instruments.length && !storePayment)) {
    return null
  }
  return (
    <Container className="divide-y p-0" role="region" aria-label="PSP payment ledger">
      <div className="flex items-center justify-between gap-x-2 px-6 py-4">
        <Heading level="h2">PSP payment ledger</Heading>
        {order.status === "canceled" && storePayment?.state !== "failed" ? (
          <StatusBadge color="grey">Order canceled</StatusBadge>
        ) : (
          storePayment && <StorePaymentBadge payment={storePayment} />
        )}
      </div>
      {error && (
        <Text size="small" className="px-6 py-4 text-ui-fg-error">
          Could not load the payment ledger: {error.message}
        </Text>
      )}
      {instruments?.map((instrument) => (
        <InstrumentSection key={instrument.id} orderId={order.id} orderCanceled={order.status === "canceled"} instrument={instrument} />
      ))}
      {instruments && !instruments.length && storePayment && <StorePaymentSummary payment={storePayment} />}
    </Container>
  )
}

export const config = defineWidgetConfig({
  zone: "order.details.side.after",
})

export default OrderPaymentLedgerWidget
