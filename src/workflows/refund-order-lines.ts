/**
 * refund-order-lines: refund at the PSP exactly the returned (or admin-picked) lines, once, then
 * record the refund in Medusa. Keyed by the Medusa id that asked (`refund:return:<receipt>:<instrument>`…).
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import { MedusaError } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { returnRefundLines, type ItemQuantity } from "../lifecycle/capture-plan"
import { operationKeyPrefix, type OperationKeySource } from "../lifecycle/keys"
import { moveOrderMoney, type OrderMoneyResult } from "./utils/move-order-money"

export type RefundOrderLinesInput = {
  order_id: string
  /** what asked (`return`, `admin`) and its Medusa id: the keys derive from them */
  source: OperationKeySource
  id: string
  items: ItemQuantity[]
  /**
   * `items` are what has been received of this return so far (a return may be received in
   * parts): what earlier receipts of it refunded is left out.
   */
  return_id?: string
}

export function refundOrderLines(container: MedusaContainer, input: RefundOrderLinesInput): Promise<OrderMoneyResult> {
  const { return_id: returnId, ...request } = input
  return moveOrderMoney(container, { ...request, kind: "refund" }, ({ checkoutLines, ledger }) => {
    const lines = returnRefundLines(checkoutLines, input.items)
    if (!returnId) {
      return lines
    }
    const earlier = operationKeyPrefix("refund", "return", `${returnId}:`)
    const refunded = new Map<string, number>()
    for (const operation of ledger.operations) {
      if (operation.key.startsWith(earlier) && operation.status !== "failed") {
        for (const line of operation.lines) {
          refunded.set(line.id, (refunded.get(line.id) ?? 0) + line.quantity)
        }
      }
    }
    return lines
      .map((line) => ({ id: line.id, quantity: line.quantity - (refunded.get(line.id) ?? 0) }))
      .filter((line) => line.quantity > 0)
  })
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
