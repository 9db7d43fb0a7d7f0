/**
 * POST /admin/orders/:id/payment-instruments/capture { items: [{ id, quantity }], include_shipping? }
 * Captures exactly those lines at the PSP and records the capture in Medusa. Send an
 * `Idempotency-Key` header to make a retried request safe (same key, same capture).
 */
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { randomUUID } from "node:crypto"
import { captureOrderLinesWorkflow } from "../../../../../../workflows/capture-order-lines"
import type { AdminMoveOrderLinesType } from "../validators"

export const POST = async (req: MedusaRequest<AdminMoveOrderLinesType>, res: MedusaResponse): Promise<void> => {
  const requestKey = String(req.headers["idempotency-key"] ?? randomUUID())
  const { result } = await captureOrderLinesWorkflow(req.scope).run({
    input: {
      order_id: req.params.id,
      key: `capture:admin:${requestKey}`,
      origin: `admin:${requestKey}`,
      items: req.validatedBody.items.map((item) => ({ order_item_id: item.id, quantity: item.quantity })),
      ...(req.validatedBody.include_shipping !== undefined ? { include_shipping: req.validatedBody.include_shipping } : {}),
    },
  })
  res.status(result.status === "pending" ? 202 : 200).json(result)
}
