import { Table, Text } from "@medusajs/ui"
import type { InstrumentTender } from "../../lib/payment-instruments"
import { money } from "./format"

/** The PSP payment's tenders (CM.com: gift card, card): what each authorized, captured and refunded. */
export function TendersTable({ tenders, currency }: { tenders: InstrumentTender[]; currency: string }) {
  return (
    <Table>
      <Table.Header>
        <Table.Row>
          <Table.HeaderCell>Tender</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Auth.</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Capt.</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Ref.</Table.HeaderCell>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {tenders.map((tender) => (
          <Table.Row key={tender.id}>
            <Table.Cell className="max-w-[140px]">
              <Text size="xsmall" leading="compact" className="truncate" title={tender.id}>
                {tender.method}
              </Text>
              {tender.captured_at_authorization ? (
                <Text size="xsmall" leading="compact" className="text-ui-fg-muted">
                  captured at authorization
                </Text>
              ) : null}
            </Table.Cell>
            <Table.Cell className="text-right">{money(tender.authorized, currency)}</Table.Cell>
            <Table.Cell className="text-right">{money(tender.captured, currency)}</Table.Cell>
            <Table.Cell className="text-right">{money(tender.refunded, currency)}</Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </Table>
  )
}
