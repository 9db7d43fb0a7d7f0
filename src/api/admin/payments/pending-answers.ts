/**
 * Medusa's own admin routes `POST /admin/payments/:id/capture` and `/refund`, for this plugin's
 * payments: the same workflows, with an honest answer when the PSP's outcome is not known yet.
 * Medusa would answer a raw 500; the money may have moved, and nothing is recorded until the PSP
 * confirms it, so the admin gets 202 with the pending operation and what happens next. Other
 * providers' payments, and every other outcome, go through Medusa's route as usual.
 */
import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { capturePaymentWorkflow, refundPaymentWorkflow } from "@medusajs/medusa/core-flows"
import { isPluginProvider } from "../../../providers/base/registry"
import { OPERATION_PENDING_CODE, type OperationPendingError } from "../../../settlement"

export function answerPendingOutcomes(kind: "capture" | "refund") {
  return async (req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction): Promise<void> => {
    const paymentId = req.params.id
    const [payment] = await req.scope.resolve(Modules.PAYMENT).listPayments({ id: paymentId }, { select: ["id", "provider_id"] })
    // Medusa's validators run first; without their result, Medusa's route answers as it does
    if (!payment || !isPluginProvider(payment.provider_id) || !req.validatedBody) {
      return next()
    }
    const actor = (req as { auth_context?: { actor_id?: string } }).auth_context?.actor_id
    const body = (req.validatedBody ?? {}) as { amount?: number; note?: string; refund_reason_id?: string }
    try {
      if (kind === "capture") {
        await capturePaymentWorkflow(req.scope).run({ input: { payment_id: paymentId, captured_by: actor, amount: body.amount } })
      } else {
        await refundPaymentWorkflow(req.scope).run({ input: { payment_id: paymentId, created_by: actor, ...body } })
      }
    } catch (error) {
      if ((error as { code?: string }).code !== OPERATION_PENDING_CODE) {
        return next(error)
      }
      const pending = (error as OperationPendingError).operation
      res.status(202).json({
        payment: await refetch(req, paymentId),
        pending_operation: pending
          ? { key: pending.idempotency_key, kind: pending.kind, status: pending.status, attempts: pending.attempts }
          : undefined,
        message: (error as Error).message,
      })
      return
    }
    res.status(200).json({ payment: await refetch(req, paymentId) })
  }
}

async function refetch(req: MedusaRequest, paymentId: string): Promise<unknown> {
  const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
  const fields = (req as { queryConfig?: { fields?: string[] } }).queryConfig?.fields ?? ["id", "amount", "currency_code", "captures.*", "refunds.*"]
  const { data } = await query.graph({ entity: "payment", fields, filters: { id: paymentId } })
  return data[0]
}
