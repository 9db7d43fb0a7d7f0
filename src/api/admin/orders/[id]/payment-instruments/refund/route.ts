/**
 * POST /admin/orders/:id/payment-instruments/refund { items: [{ id, quantity }] }
 * Refunds exactly those captured lines at the PSP and records the refund in Medusa. Send an
 * `Idempotency-Key` header to make a retried request safe.
 */
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { randomUUID } from "node:crypto"
import { refundOrderLinesWorkflow } from "../../../../../../workflows/refund-order-lines"
import type { AdminMoveOrderLinesType } from "../validators"

export const POST = async (req: MedusaRequest<AdminMoveOrderLinesType>, res: MedusaResponse): Promise<void> => {
  const requestKey = String(req.headers["idempotency-key"] ?? randomUUID())
  const { result } = await refundOrderLinesWorkflow(req.scope).run({
    input: {
      order_id: req.params.id,
      key: `refund:admin:${requestKey}`,
      origin: `admin:${requestKey}`,
      items: req.validatedBody.items.map((item) => ({ order_item_id: item.id, quantity: item.quantity })),
    },
  })
  res.status(result.status === "pending" ? 202 : 200).json(result)
}
