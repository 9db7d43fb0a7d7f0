import { Alert, Button, Copy, Heading, Text } from "@medusajs/ui"
import { useState, type ReactNode } from "react"
import type { MoveKind, PaymentInstrument } from "../../lib/payment-instruments"
import { AmountsList } from "./amounts-list"
import { providerName } from "./format"
import { LinesTable } from "./lines-table"
import { MoveLinesForm, movableQuantity } from "./move-lines-form"
import { OperationsTimeline } from "./operations-timeline"
import { InstrumentStateBadge } from "./state-badges"
import { StatusHistory } from "./status-history"
import { TendersTable } from "./tenders-table"

function Part({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-y-2 px-6 py-4">
      <Text size="small" leading="compact" weight="plus">
        {title}
      </Text>
      {children}
    </div>
  )
}

/** One payment of the order as the PSP ledger sees it. A canceled order is never captured, only refunded. */
export function InstrumentSection({ orderId, orderCanceled, instrument }: { orderId: string; orderCanceled: boolean; instrument: PaymentInstrument }) {
  const [moving, setMoving] = useState<MoveKind>()
  const currency = instrument.currency_code
  const canMove = (kind: MoveKind) =>
    !(kind === "capture" && orderCanceled) &&
    instrument.lines.some((line) => line.kind === "product" && line.order_item_id && movableQuantity(line, kind) > 0)
  const processedCallbacks = instrument.callbacks.filter((callback) => callback.processed_at).length

  return (
    <div className="divide-y">
      <div className="flex items-start justify-between gap-x-2 px-6 py-4">
        <div className="flex min-w-0 flex-col">
          <Heading level="h3" className="capitalize">
            {providerName(instrument.provider_id)}
          </Heading>
          <div className="flex items-center gap-x-1">
            <Text size="xsmall" leading="compact" className="truncate font-mono text-ui-fg-subtle">
              {instrument.psp_reference ?? "no PSP reference yet"}
            </Text>
            {instrument.psp_reference && <Copy content={instrument.psp_reference} />}
          </div>
          {instrument.psp_status && (
            <Text size="xsmall" leading="compact" className="text-ui-fg-subtle">
              PSP status: {instrument.psp_status}
            </Text>
          )}
        </div>
        <InstrumentStateBadge state={instrument.state} />
      </div>

      {instrument.reconcile_issue && (
        <div className="px-6 py-4">
          <Alert variant="error" dismissible={false}>
            <Text size="small" weight="plus">
              Reconciliation issue
            </Text>
            <Text size="small">{instrument.reconcile_issue}</Text>
            <Text size="xsmall" className="text-ui-fg-subtle">
              The reconcile job retries until Medusa and the PSP agree.
            </Text>
          </Alert>
        </div>
      )}

      <Part title="Amounts">
        <AmountsList amounts={instrument.amounts} currency={currency} />
      </Part>

      {instrument.tenders?.length ? (
        <Part title="Tenders">
          <TendersTable tenders={instrument.tenders} currency={currency} />
        </Part>
      ) : null}

      <Part title="Lines">
        <LinesTable lines={instrument.lines} currency={currency} />
        {moving ? (
          <div className="rounded-md border p-3">
            <MoveLinesForm key={moving} orderId={orderId} kind={moving} lines={instrument.lines} onDone={() => setMoving(undefined)} />
          </div>
        ) : (
          <div className="flex justify-end gap-x-2">
            <Button size="small" variant="secondary" disabled={!canMove("capture")} onClick={() => setMoving("capture")}>
              Capture lines
            </Button>
            <Button size="small" variant="secondary" disabled={!canMove("refund")} onClick={() => setMoving("refund")}>
              Refund lines
            </Button>
          </div>
        )}
      </Part>

      <Part title="Operations">
        <OperationsTimeline operations={instrument.operations} currency={currency} />
      </Part>

      <Part title="PSP status history">
        <StatusHistory history={instrument.psp_status_history ?? []} />
        <Text size="xsmall" leading="compact" className="text-ui-fg-muted">
          {instrument.callbacks.length} {instrument.callbacks.length === 1 ? "callback" : "callbacks"} received, {processedCallbacks} processed
        </Text>
      </Part>
    </div>
  )
}
