import { Text, clx } from "@medusajs/ui"
import { isUnsettled, type InstrumentOperation } from "../../lib/payment-instruments"
import { money, when } from "./format"
import { OPERATION, OperationStatusBadge } from "./state-badges"

/** Every money movement the plugin asked of the PSP, oldest first. */
export function OperationsTimeline({ operations, currency }: { operations: InstrumentOperation[]; currency: string }) {
  if (!operations.length) {
    return (
      <Text size="small" className="text-ui-fg-muted">
        No operations yet.
      </Text>
    )
  }
  const ordered = [...operations].sort((a, b) => a.created_at.localeCompare(b.created_at))
  return (
    <ol className="flex flex-col gap-y-2">
      {ordered.map((operation) => (
        <OperationEntry key={operation.idempotency_key} operation={operation} currency={currency} />
      ))}
    </ol>
  )
}

function OperationEntry({ operation, currency }: { operation: InstrumentOperation; currency: string }) {
  const open = isUnsettled(operation)
  return (
    <li
      className={clx(
        "flex flex-col gap-y-0.5 rounded-md border-l-2 px-3 py-2",
        open
          ? "border-ui-tag-orange-icon bg-ui-tag-orange-bg"
          : operation.status === "failed" || operation.status === "lapsed"
            ? "border-ui-tag-red-icon bg-ui-bg-subtle"
            : "border-ui-border-strong bg-ui-bg-subtle"
      )}
    >
      <div className="flex items-center justify-between gap-x-2">
        <Text size="small" leading="compact" weight="plus" className="capitalize">
          {operation.kind} {money(operation.amount, currency)}
        </Text>
        <OperationStatusBadge status={operation.status} />
      </div>
      {operation.status !== "succeeded" && (
        <Text size="xsmall" leading="compact" weight="plus" className={open ? "text-ui-tag-orange-text" : "text-ui-fg-subtle"}>
          {OPERATION[operation.status]?.explanation}
        </Text>
      )}
      {/* the key as src/lifecycle/keys.ts builds it (kind:source:Medusa id:instrument), the one the PSP sees */}
      <Text size="xsmall" leading="compact" className="break-all font-mono text-ui-fg-subtle" title="Idempotency key">
        {operation.idempotency_key}
      </Text>
      <Text size="xsmall" leading="compact" className="text-ui-fg-subtle">
        {operation.attempts} {operation.attempts === 1 ? "attempt" : "attempts"} · {when(operation.created_at)}
      </Text>
      {operation.psp_operation_ids.length > 0 && (
        <Text size="xsmall" leading="compact" className="text-ui-fg-muted">
          PSP {operation.psp_operation_ids.join(", ")}
          {operation.tender_id ? ` · tender ${operation.tender_id}` : ""}
        </Text>
      )}
      {operation.error && (
        <Text size="xsmall" leading="compact" className="text-ui-fg-error">
          {[operation.error.code, operation.error.message].filter(Boolean).join(": ")}
        </Text>
      )}
    </li>
  )
}
