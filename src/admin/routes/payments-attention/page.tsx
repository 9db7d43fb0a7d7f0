/**
 * "Payments attention" (sidebar): what needs a person across the store. Orders on hold and why,
 * operations whose outcome is unknown or that lapsed, open reconcile issues, callbacks rejected
 * in the last day; each row links to its order and says what the admin can do.
 */
import { defineRouteConfig } from "@medusajs/admin-sdk"
import { BellAlert } from "@medusajs/icons"
import { Button, Container, Heading, StatusBadge, Table, Text } from "@medusajs/ui"
import { useState, type ReactNode } from "react"
import { Link } from "react-router-dom"
import { providerName, when } from "../../components/payment-ledger/format"
import {
  ATTENTION_PAGE_SIZE,
  usePaymentAttention,
  type AttentionOrder,
  type AttentionOperation,
  type HeldPayment,
  type HoldReason,
  type IssuePayment,
  type RejectedCallbacks,
} from "../../lib/payment-attention"

const HOLD: Record<HoldReason, { label: string; action: string }> = {
  psp_on_hold: {
    label: "PSP on hold",
    action: "Wait for the PSP's decision (or release it in the PSP's back office). Fulfillment is refused until the PSP releases it.",
  },
  not_safe_to_ship: {
    label: "Not safe to ship",
    action: "Do not ship yet: the plugin reads the PSP again until it clears the payment for shipping.",
  },
  partly_paid: {
    label: "Partly paid",
    action: "Only part of the order is authorized: ask the shopper to pay the rest, or cancel the order.",
  },
}

const OPERATION: Record<AttentionOperation["status"], { label: string; next: string }> = {
  unknown: {
    label: "Answer lost",
    next: "The reconcile job settles it from the PSP's record under the same key; nothing is charged twice. If it stays, look the PSP reference up in the PSP's back office.",
  },
  lapsed: {
    label: "Failed after acceptance",
    next: "No money moved and the amount can no longer be captured: cancel the shipment or contact the shopper.",
  },
}

const REJECTION: Record<string, string> = {
  http_401: "signature or credentials wrong",
  http_403: "sender not allowed",
  http_400: "malformed",
  unsupported_media_type: "not a JSON, form or text body",
  unknown_payment: "names no payment of this store",
  unknown_provider: "addressed to no configured provider",
}

const PaymentsAttentionPage = () => {
  const [offset, setOffset] = useState(0)
  const { data, isPending, error } = usePaymentAttention(offset)
  const largest = data ? Math.max(data.on_hold.count, data.operations.count, data.reconcile_issues.count, data.rejected_callbacks.count) : 0

  return (
    <div className="flex flex-col gap-y-3">
      <Container className="flex items-center justify-between px-6 py-4">
        <div>
          <Heading level="h1">Payments attention</Heading>
          <Text size="small" className="text-ui-fg-subtle">
            What the PSP payments need from a person. Refreshes every 30 seconds.
          </Text>
        </div>
        <div className="flex gap-x-2">
          <Button size="small" variant="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - ATTENTION_PAGE_SIZE))}>
            Previous
          </Button>
          <Button size="small" variant="secondary" disabled={offset + ATTENTION_PAGE_SIZE >= largest} onClick={() => setOffset(offset + ATTENTION_PAGE_SIZE)}>
            Next
          </Button>
        </div>
      </Container>
      {isPending && <Text className="px-6">Loading…</Text>}
      {error && <Text className="px-6 text-ui-fg-error">Could not load what needs attention: {error.message}</Text>}
      {data && (
        <>
          <Section title="Orders on hold" count={data.on_hold.count} empty="No order is on hold.">
            {data.on_hold.rows.length > 0 && <HeldTable rows={data.on_hold.rows} />}
          </Section>
          <Section title="Operations with an unknown outcome or lapsed" count={data.operations.count} empty="Every operation has a known outcome.">
            {data.operations.rows.length > 0 && <OperationsTable rows={data.operations.rows} />}
          </Section>
          <Section title="Reconcile issues" count={data.reconcile_issues.count} empty="Medusa and the PSPs agree.">
            {data.reconcile_issues.rows.length > 0 && <IssuesTable rows={data.reconcile_issues.rows} />}
          </Section>
          <Section title="Callbacks rejected in the last day" count={data.rejected_callbacks.count} empty="No callback was rejected in the last day.">
            {data.rejected_callbacks.rows.length > 0 && <RejectedTable rows={data.rejected_callbacks.rows} />}
          </Section>
        </>
      )}
    </div>
  )
}

function Section({ title, count, empty, children }: { title: string; count: number; empty: string; children: ReactNode }) {
  return (
    <Container className="divide-y p-0" aria-label={title} role="region">
      <div className="flex items-center justify-between px-6 py-4">
        <Heading level="h2">{title}</Heading>
        <StatusBadge color={count ? "orange" : "green"}>{String(count)}</StatusBadge>
      </div>
      {count === 0 ? (
        <Text size="small" className="px-6 py-4 text-ui-fg-muted">
          {empty}
        </Text>
      ) : (
        children
      )}
    </Container>
  )
}

function OrderLink({ order }: { order: AttentionOrder | null }) {
  if (!order) {
    return <Text size="small" className="text-ui-fg-muted">no order yet</Text>
  }
  return (
    <Link to={`/orders/${order.id}`} className="text-ui-fg-interactive hover:underline">
      {order.display_id !== null ? `#${order.display_id}` : order.id}
    </Link>
  )
}

function Payment({ providerId, reference }: { providerId: string; reference: string | null }) {
  return (
    <div className="flex flex-col">
      <Text size="small" className="capitalize">{providerName(providerId)}</Text>
      <Text size="xsmall" className="font-mono text-ui-fg-subtle">{reference ?? "no PSP reference"}</Text>
    </div>
  )
}

function HeldTable({ rows }: { rows: HeldPayment[] }) {
  return (
    <Table>
      <Table.Header>
        <Table.Row>
          <Table.HeaderCell>Order</Table.HeaderCell>
          <Table.HeaderCell>Payment</Table.HeaderCell>
          <Table.HeaderCell>Why</Table.HeaderCell>
          <Table.HeaderCell>Since</Table.HeaderCell>
          <Table.HeaderCell>What you can do</Table.HeaderCell>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {rows.map((row) => (
          <Table.Row key={row.instrument_id}>
            <Table.Cell><OrderLink order={row.order} /></Table.Cell>
            <Table.Cell><Payment providerId={row.provider_id} reference={row.psp_reference} /></Table.Cell>
            <Table.Cell>
              <StatusBadge color="orange">{HOLD[row.reason]?.label ?? row.reason}</StatusBadge>
              <Text size="xsmall" className="text-ui-fg-subtle">
                {row.reason === "partly_paid"
                  ? `${row.authorized} of ${row.amount} ${row.currency_code.toUpperCase()} authorized`
                  : `PSP status: ${row.psp_status ?? "—"}`}
              </Text>
            </Table.Cell>
            <Table.Cell>{when(row.since)}</Table.Cell>
            <Table.Cell className="whitespace-normal"><Text size="small">{HOLD[row.reason]?.action}</Text></Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </Table>
  )
}

function OperationsTable({ rows }: { rows: AttentionOperation[] }) {
  return (
    <Table>
      <Table.Header>
        <Table.Row>
          <Table.HeaderCell>Order</Table.HeaderCell>
          <Table.HeaderCell>Operation</Table.HeaderCell>
          <Table.HeaderCell>Payment</Table.HeaderCell>
          <Table.HeaderCell>Since</Table.HeaderCell>
          <Table.HeaderCell>What happens next</Table.HeaderCell>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {rows.map((row) => (
          <Table.Row key={row.id}>
            <Table.Cell><OrderLink order={row.order} /></Table.Cell>
            <Table.Cell>
              <div className="flex flex-col gap-y-1">
                <div className="flex items-center gap-x-2">
                  <Text size="small" className="capitalize">{`${row.kind} ${row.amount} ${row.currency_code.toUpperCase()}`}</Text>
                  <StatusBadge color={row.status === "unknown" ? "orange" : "red"}>{OPERATION[row.status]?.label ?? row.status}</StatusBadge>
                </div>
                <Text size="xsmall" className="font-mono text-ui-fg-subtle">{row.key}</Text>
                {row.error && (
                  <Text size="xsmall" className="text-ui-fg-error">{[row.error.code, row.error.message].filter(Boolean).join(": ")}</Text>
                )}
              </div>
            </Table.Cell>
            <Table.Cell>
              <Payment providerId={row.provider_id} reference={row.psp_reference} />
              {row.psp_operation_ids.length > 0 && (
                <Text size="xsmall" className="text-ui-fg-muted">PSP {row.psp_operation_ids.join(", ")}</Text>
              )}
            </Table.Cell>
            <Table.Cell>{when(row.since)}</Table.Cell>
            <Table.Cell className="whitespace-normal"><Text size="small">{OPERATION[row.status]?.next}</Text></Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </Table>
  )
}

function IssuesTable({ rows }: { rows: IssuePayment[] }) {
  return (
    <Table>
      <Table.Header>
        <Table.Row>
          <Table.HeaderCell>Order</Table.HeaderCell>
          <Table.HeaderCell>Payment</Table.HeaderCell>
          <Table.HeaderCell>Issue</Table.HeaderCell>
          <Table.HeaderCell>Since</Table.HeaderCell>
          <Table.HeaderCell>What you can do</Table.HeaderCell>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {rows.map((row) => (
          <Table.Row key={row.instrument_id}>
            <Table.Cell><OrderLink order={row.order} /></Table.Cell>
            <Table.Cell><Payment providerId={row.provider_id} reference={row.psp_reference} /></Table.Cell>
            <Table.Cell className="whitespace-normal"><Text size="small">{row.issue}</Text></Table.Cell>
            <Table.Cell>{when(row.since)}</Table.Cell>
            <Table.Cell className="whitespace-normal">
              <Text size="small">The reconcile job retries every minute until Medusa and the PSP agree; if it stays, compare the order with the PSP's back office.</Text>
            </Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </Table>
  )
}

function RejectedTable({ rows }: { rows: RejectedCallbacks[] }) {
  return (
    <Table>
      <Table.Header>
        <Table.Row>
          <Table.HeaderCell>Provider</Table.HeaderCell>
          <Table.HeaderCell>Why rejected</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Count</Table.HeaderCell>
          <Table.HeaderCell>Last</Table.HeaderCell>
          <Table.HeaderCell>What you can do</Table.HeaderCell>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {rows.map((row) => (
          <Table.Row key={`${row.provider_id}-${row.reason}`}>
            <Table.Cell className="capitalize">{row.provider_id === "unknown" ? "unknown provider" : providerName(row.provider_id)}</Table.Cell>
            <Table.Cell>{REJECTION[row.reason] ?? row.reason.replace(/_/g, " ")}</Table.Cell>
            <Table.Cell className="text-right">{row.count}</Table.Cell>
            <Table.Cell>{when(row.last_seen_at)}</Table.Cell>
            <Table.Cell className="whitespace-normal">
              <Text size="small">
                No order changed. If real callbacks are among them, check the callback URL and secret in the PSP's settings; the reconcile job still reads every open payment from the PSP.
              </Text>
            </Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </Table>
  )
}

export const config = defineRouteConfig({
  label: "Payments attention",
  icon: BellAlert,
})

export default PaymentsAttentionPage
