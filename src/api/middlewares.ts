import { defineMiddlewares } from "@medusajs/framework/http"
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
      matcher: "/store/payment-collections/:id/payment-sessions",
      method: ["POST"],
      middlewares: [attachCheckoutLines],
    },
  ],
})
