/**
 * Medusa records a capture or refund in steps that do not share one transaction: the
 * Capture/Refund row, then the payment collection's totals, then the order transaction. A process
 * killed between them leaves the record half done for good (a Capture, but the collection still
 * `authorized` and no order transaction). The reconcile job checks each recorded operation once
 * and completes what is missing; a Capture/Refund that is gone altogether (rolled back) is
 * reported as lost, to be recorded again.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MathBN, Modules } from "@medusajs/framework/utils"
import type { PaymentOperationRecord } from "../../modules/payment-ledger"
import { ledgerOf } from "./order-payments"

type MedusaRecord = { id: string; payment_id: string; amount: unknown; raw_amount?: unknown }

type CollectionView = {
  id: string
  currency_code: string
  captured_amount?: unknown
  refunded_amount?: unknown
  payments?: { captures?: { amount: unknown }[]; refunds?: { amount: unknown }[] }[]
}

/** Recomputes a payment collection's totals and status from its payments, as Medusa does after each capture. */
type CollectionRefresher = { maybeUpdatePaymentCollection_(collectionId: string, sharedContext?: object): Promise<void> }

export async function verifyMedusaRecords(
  container: MedusaContainer,
  operations: PaymentOperationRecord[]
): Promise<{ lost: PaymentOperationRecord[]; repaired: string[] }> {
  const lost: PaymentOperationRecord[] = []
  const repaired: string[] = []
  if (!operations.length) {
    return { lost, repaired }
  }
  const paymentModule = container.resolve(Modules.PAYMENT)
  const orderModule = container.resolve(Modules.ORDER)
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const ids = (kind: string) => operations.filter((operation) => operation.kind === kind).map((operation) => operation.medusa_record_id!)
  const rows = new Map<string, MedusaRecord>()
  const select = { select: ["id", "payment_id", "amount", "raw_amount"] }
  for (const row of ids("capture").length ? await paymentModule.listCaptures({ id: ids("capture") }, select) : []) {
    rows.set(row.id, row as unknown as MedusaRecord)
  }
  for (const row of ids("refund").length ? await paymentModule.listRefunds({ id: ids("refund") }, select) : []) {
    rows.set(row.id, row as unknown as MedusaRecord)
  }

  const verified: string[] = []
  for (const operation of operations) {
    const record = rows.get(operation.medusa_record_id!)
    if (!record) {
      lost.push(operation)
      continue
    }
    const { payment_collection_id: collectionId } = await paymentModule.retrievePayment(record.payment_id, { select: ["payment_collection_id"] })
    const { data: collections } = await query.graph({
      entity: "payment_collection",
      fields: ["id", "currency_code", "captured_amount", "refunded_amount", "payments.captures.amount", "payments.refunds.amount"],
      filters: { id: collectionId },
    })
    const collection = collections[0] as CollectionView | undefined
    if (!collection) {
      continue
    }
    const total = (field: "captures" | "refunds") =>
      (collection.payments ?? []).flatMap((payment) => payment[field] ?? []).reduce((sum, row) => MathBN.add(sum, row.amount as never), MathBN.convert(0))
    if (
      !MathBN.eq(MathBN.convert((collection.captured_amount ?? 0) as never), total("captures")) ||
      !MathBN.eq(MathBN.convert((collection.refunded_amount ?? 0) as never), total("refunds"))
    ) {
      await (paymentModule as unknown as CollectionRefresher).maybeUpdatePaymentCollection_(collection.id, {})
      repaired.push(`payment collection ${collection.id} totals`)
    }

    const { data: links } = await query.graph({
      entity: "order_payment_collection",
      fields: ["order_id", "order.status"],
      filters: { payment_collection_id: collection.id },
    })
    const link = links[0] as { order_id?: string; order?: { status?: string } | null } | undefined
    // canceled orders record their refunds on the payment only (Medusa's refund workflow refuses them)
    if (link?.order_id && !(operation.kind === "refund" && link.order?.status === "canceled")) {
      // (reconcile runs one at a time, reconcile-payments.ts: two runs never both add it)
      const transactions = await orderModule.listOrderTransactions({ reference_id: record.id }, { select: ["id"] })
      if (!transactions.length) {
        const amount = record.raw_amount ?? record.amount
        await orderModule.addOrderTransactions({
          order_id: link.order_id!,
          amount: (operation.kind === "capture" ? amount : MathBN.mult(amount as never, -1)) as never,
          currency_code: collection.currency_code,
          reference: operation.kind,
          reference_id: record.id,
        })
        repaired.push(`order ${link.order_id} ${operation.kind} transaction for ${record.id}`)
      }
    }
    verified.push(operation.id)
  }
  await ledgerOf(container).markMedusaVerified(verified)
  return { lost, repaired }
}
