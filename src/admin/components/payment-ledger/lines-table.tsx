import { Table, Text } from "@medusajs/ui"
import type { InstrumentLine } from "../../lib/payment-instruments"
import { money } from "./format"

/** Each line the PSP holds: ordered, captured, refunded and canceled quantities. */
export function LinesTable({ lines, currency }: { lines: InstrumentLine[]; currency: string }) {
  return (
    <Table>
      <Table.Header>
        <Table.Row>
          <Table.HeaderCell>Line</Table.HeaderCell>
          <Table.HeaderCell className="text-right" title="ordered">Ord.</Table.HeaderCell>
          <Table.HeaderCell className="text-right" title="captured">Capt.</Table.HeaderCell>
          <Table.HeaderCell className="text-right" title="refunded">Ref.</Table.HeaderCell>
          <Table.HeaderCell className="text-right" title="canceled">Canc.</Table.HeaderCell>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {lines.map((line) => (
          <Table.Row key={line.reference}>
            <Table.Cell className="max-w-[140px]">
              <Text size="xsmall" leading="compact" className="truncate" title={line.description}>
                {line.description}
              </Text>
              <Text size="xsmall" leading="compact" className="text-ui-fg-muted">
                {money(line.total, currency)}
              </Text>
            </Table.Cell>
            <Table.Cell className="text-right">{line.quantity}</Table.Cell>
            <Table.Cell className="text-right">{line.captured_quantity}</Table.Cell>
            <Table.Cell className="text-right">{line.refunded_quantity}</Table.Cell>
            <Table.Cell className="text-right">{line.canceled_quantity}</Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </Table>
  )
}
