/** Every minute: settle open PSP operations, record unrecorded movements, sync payments that need it. */
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { reconcilePaymentsWorkflow } from "../workflows/reconcile-payments"

export default async function reconcilePaymentsJob(container: MedusaContainer): Promise<void> {
  const { result } = await reconcilePaymentsWorkflow(container).run({ input: {} })
  if (result.operations_settled || result.payments_synced || result.issues.length) {
    container
      .resolve(ContainerRegistrationKeys.LOGGER)
      .info(`reconcile-payments: ${result.operations_settled} operations, ${result.payments_synced} payments synced, ${result.issues.length} open issues`)
  }
}

export const config = {
  name: "medusa-order-payments-reconcile",
  schedule: "* * * * *",
}
