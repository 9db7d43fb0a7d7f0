/**
 * POST /admin/orders/:id/payment-instruments/refund { items: [{ id, quantity }] } with an
 * `Idempotency-Key` header: refunds exactly those captured lines at the PSP and records the
 * refund in Medusa once the PSP confirmed it (202 while its answer is pending).
 */
import { moveLinesRoute } from "../move-lines"

export const POST = moveLinesRoute("refund")
