/**
 * capture-order-lines: capture at the PSP exactly what was fulfilled (or what the admin picked, or
 * the whole order when it is placed), once, then record it in Medusa.
 *
 * The idempotency key comes from the Medusa id that asked (`capture:fulfillment:<id>:<instrument>`,
 * lifecycle/keys.ts), so every retry, redelivery or restart lands on the same operation. Lines already captured are refused by
 * the ledger before anything reaches the PSP. An unknown outcome leaves the operation pending for
 * the reconcile job, which finishes the same steps.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { fulfillmentCaptureLines, type ItemQuantity } from "../lifecycle/capture-plan"
import type { OperationKeySource } from "../lifecycle/keys"
import { moveOrderMoney, type OrderMoneyResult } from "./utils/move-order-money"
import { ledgerOf } from "./utils/order-payments"

export type CaptureOrderLinesInput = {
  order_id: string
  /** what asked (`fulfillment`, `order`, `admin`) and its Medusa id: the keys derive from them */
  source: OperationKeySource
  id: string
  /** order items and quantities to capture; omitted: every item of the order */
  items?: ItemQuantity[]
  /** false: leave shipping out whatever the capture policy says */
  include_shipping?: boolean
}

/**
 * The order's items, and how many of each are fulfilled so far; refuses a canceled order: nothing
 * may be captured for it any more.
 */
async function capturableOrderItems(container: MedusaContainer, orderId: string): Promise<{ ordered: ItemQuantity[]; fulfilled: ItemQuantity[] }> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "order",
    // `items.*`: an item's quantity is a computed number that a bare `items.quantity` leaves empty
    fields: ["id", "status", "items.*", "items.detail.fulfilled_quantity"],
    filters: { id: orderId },
  })
  const order = data[0] as
    | { status: string; items?: { id: string; quantity: number | string; detail?: { fulfilled_quantity?: number | string } | null }[] }
    | undefined
  if (!order) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Order ${orderId} not found`)
  }
  if (order.status === "canceled") {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Order ${orderId} is canceled: nothing can be captured for it`)
  }
  const items = order.items ?? []
  return {
    ordered: items.map((item) => ({ order_item_id: item.id, quantity: Number(item.quantity) })),
    fulfilled: items.map((item) => ({ order_item_id: item.id, quantity: Number(item.detail?.fulfilled_quantity ?? 0) })),
  }
}

export async function captureOrderLines(container: MedusaContainer, input: CaptureOrderLinesInput): Promise<OrderMoneyResult> {
  const { captureShipping } = ledgerOf(container).lifecyclePolicy()
  const { ordered, fulfilled } = await capturableOrderItems(container, input.order_id)
  const items = input.items ?? ordered
  return moveOrderMoney(container, { ...input, kind: "capture", items }, ({ checkoutLines, ledger }) => {
    if (ledger.authorized === 0n) {
      return [] // not authorized (yet): nothing can be captured
    }
    const lines = fulfillmentCaptureLines({ checkoutLines, ledger, items, captureShipping, fulfilled, owedByShipments: input.source === "fulfillment" })
    if (input.include_shipping !== false) {
      return lines
    }
    const shipping = new Set(checkoutLines.filter((line) => line.kind === "shipping").map((line) => line.reference))
    return lines.filter((line) => !shipping.has(line.id))
  })
}

const captureOrderLinesStep = createStep("capture-order-lines-step", async (input: CaptureOrderLinesInput, { container }) => {
  if (!input.id || !input.source || !input.order_id) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, "capture-order-lines needs order_id, source and id")
  }
  return new StepResponse(await captureOrderLines(container, input))
})

export const captureOrderLinesWorkflow = createWorkflow("capture-order-lines", (input: CaptureOrderLinesInput) => {
  return new WorkflowResponse(captureOrderLinesStep(input))
})
