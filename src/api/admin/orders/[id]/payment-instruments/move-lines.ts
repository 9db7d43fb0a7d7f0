/**
 * The admin's capture or refund of chosen lines. The `Idempotency-Key` header is required and
 * scoped to the order: the same key for the same order is the same operation (a retried request
 * gets its result), and while the first request is still at the PSP a repeat gets 409.
 */
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { OperationInFlightError } from "../../../../../settlement"
import { captureOrderLinesWorkflow } from "../../../../../workflows/capture-order-lines"
import { refundOrderLinesWorkflow } from "../../../../../workflows/refund-order-lines"
import type { AdminMoveOrderLinesType } from "./validators"

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/

export function moveLinesRoute(kind: "capture" | "refund") {
  return async (req: MedusaRequest<AdminMoveOrderLinesType>, res: MedusaResponse): Promise<void> => {
    const header = req.headers["idempotency-key"]
    const requestKey = Array.isArray(header) ? header[0] : header
    if (!requestKey || !IDEMPOTENCY_KEY.test(requestKey)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        "Idempotency-Key header: required, 1 to 128 visible ASCII characters; send a new one per capture or refund, and the same one to retry it"
      )
    }
    const input = {
      order_id: req.params.id,
      source: "admin" as const,
      id: `${req.params.id}:${requestKey}`,
      items: req.validatedBody.items.map((item) => ({ order_item_id: item.id, quantity: item.quantity })),
    }
    try {
      const { result } =
        kind === "capture"
          ? await captureOrderLinesWorkflow(req.scope).run({
              input: {
                ...input,
                ...(req.validatedBody.include_shipping !== undefined ? { include_shipping: req.validatedBody.include_shipping } : {}),
              },
            })
          : await refundOrderLinesWorkflow(req.scope).run({ input })
      if (result.operations.length && result.operations.every((operation) => operation.replayed)) {
        // the seed's rule: the same key gives the same result, whatever this request's body says; say so
        res.setHeader("Idempotent-Replayed", "true")
        req.scope
          .resolve(ContainerRegistrationKeys.LOGGER)
          .warn(`${kind} of order ${req.params.id}: Idempotency-Key ${requestKey} replayed; the first request's result is returned, this body is ignored`)
      }
      res.status(result.status === "pending" ? 202 : 200).json(result)
    } catch (error) {
      // Medusa's error handler replaces a conflict's message with a generic one; this one says what to do
      if (error instanceof OperationInFlightError || (error as MedusaError).type === MedusaError.Types.CONFLICT) {
        res.status(409).json({ type: MedusaError.Types.CONFLICT, message: (error as Error).message })
        return
      }
      throw error
    }
  }
}
