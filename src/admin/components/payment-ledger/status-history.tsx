import { Text } from "@medusajs/ui"
import type { PspStatusEntry } from "../../lib/payment-instruments"
import { when } from "./format"

/** The PSP statuses in the order they arrived, and what reported each (callback, fetch, reconcile…). */
export function StatusHistory({ history }: { history: PspStatusEntry[] }) {
  if (!history.length) {
    return (
      <Text size="small" className="text-ui-fg-muted">
        No PSP status seen yet.
      </Text>
    )
  }
  return (
    <ol className="flex flex-col gap-y-1">
      {history.map((entry, index) => (
        <li key={`${entry.at}-${index}`} className="flex items-center justify-between gap-x-2">
          <Text size="xsmall" leading="compact" weight="plus">
            {entry.status}
          </Text>
          <Text size="xsmall" leading="compact" className="text-ui-fg-subtle">
            {entry.source} · {when(entry.at)}
          </Text>
        </li>
      ))}
    </ol>
  )
}
