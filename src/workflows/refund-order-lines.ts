/**
 * refund-order-lines: refund at the PSP exactly the returned (or admin-picked) lines, once, then
 * record the refund in Medusa. Keyed by the Medusa id that asked (`refund:return:<receipt>:<instrument>`…).
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import { MedusaError } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { returnRefundLines, type ItemQuantity } from "../lifecycle/capture-plan"
import type { OperationKeySource } from "../lifecycle/keys"
import { moveOrderMoney, type OrderMoneyResult } from "./utils/move-order-money"

export type RefundOrderLinesInput = {
  order_id: string
  /** what asked (`return`, `admin`) and its Medusa id: the keys derive from them */
  source: OperationKeySource
  id: string
  items: ItemQuantity[]
}

export function refundOrderLines(container: MedusaContainer, input: RefundOrderLinesInput): Promise<OrderMoneyResult> {
  return moveOrderMoney(container, { ...input, kind: "refund" }, ({ checkoutLines }) => returnRefundLines(checkoutLines, input.items))
}

const refundOrderLinesStep = createStep("refund-order-lines-step", async (input: RefundOrderLinesInput, { container }) => {
  if (!input.id || !input.source || !input.order_id || !input.items?.length) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, "refund-order-lines needs order_id, source, id and items")
  }
  return new StepResponse(await refundOrderLines(container, input))
})

export const refundOrderLinesWorkflow = createWorkflow("refund-order-lines", (input: RefundOrderLinesInput) => {
  return new WorkflowResponse(refundOrderLinesStep(input))
})
