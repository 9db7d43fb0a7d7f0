/** Every minute: settle unknown PSP outcomes, record unrecorded movements, process stranded callbacks. */
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { reconcilePaymentsWorkflow } from "../workflows/reconcile-payments"

export default async function reconcilePaymentsJob(container: MedusaContainer): Promise<void> {
  const { result } = await reconcilePaymentsWorkflow(container).run({ input: {} })
  if (result.operations_settled || result.callbacks_processed || result.issues.length) {
    container
      .resolve(ContainerRegistrationKeys.LOGGER)
      .info(`reconcile-payments: ${result.operations_settled} operations, ${result.callbacks_processed} callbacks, ${result.issues.length} open issues`)
  }
}

export const config = {
  name: "medusa-order-payments-reconcile",
  schedule: "* * * * *",
}
