import { Text } from "@medusajs/ui"
import type { InstrumentAmounts } from "../../lib/payment-instruments"
import { money } from "./format"

const ROWS: { key: keyof InstrumentAmounts; label: string }[] = [
  { key: "authorized", label: "Authorized" },
  { key: "captured", label: "Captured" },
  { key: "refunded", label: "Refunded" },
  { key: "canceled", label: "Canceled" },
  { key: "capturable", label: "Capturable" },
  { key: "refundable", label: "Refundable" },
]

export function AmountsList({ amounts, currency }: { amounts: InstrumentAmounts; currency: string }) {
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-1">
      {ROWS.map(({ key, label }) => (
        <div key={key} className="flex items-center justify-between gap-x-2">
          <Text size="small" leading="compact" className="text-ui-fg-subtle" asChild>
            <dt>{label}</dt>
          </Text>
          <Text size="small" leading="compact" weight="plus" asChild>
            <dd>{money(amounts[key], currency)}</dd>
          </Text>
        </div>
      ))}
    </dl>
  )
}
