import { defineMiddlewares, validateAndTransformBody } from "@medusajs/framework/http"
import { answerPendingOutcomes } from "./admin/payments/pending-answers"
import { AdminMoveOrderLines } from "./admin/orders/[id]/payment-instruments/validators"
import { attachCheckoutLines } from "./store/checkout-lines"

export default defineMiddlewares({
  routes: [
    {
      // callbacks are verified against the exact bytes the PSP sent
      matcher: "/hooks/psp/:provider",
      method: ["POST"],
      bodyParser: { preserveRawBody: true },
    },
    {
      matcher: "/admin/orders/:id/payment-instruments/capture",
      method: ["POST"],
      middlewares: [validateAndTransformBody(AdminMoveOrderLines)],
    },
    {
      matcher: "/admin/orders/:id/payment-instruments/refund",
      method: ["POST"],
      middlewares: [validateAndTransformBody(AdminMoveOrderLines)],
    },
    {
      matcher: "/admin/payments/:id/capture",
      method: ["POST"],
      middlewares: [answerPendingOutcomes("capture")],
    },
    {
      matcher: "/admin/payments/:id/refund",
      method: ["POST"],
      middlewares: [answerPendingOutcomes("refund")],
    },
    {
      matcher: "/store/payment-collections/:id/payment-sessions",
      method: ["POST"],
      middlewares: [attachCheckoutLines],
    },
  ],
})
