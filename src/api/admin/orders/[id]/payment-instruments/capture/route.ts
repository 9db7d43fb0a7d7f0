/**
 * POST /admin/orders/:id/payment-instruments/capture { items: [{ id, quantity }], include_shipping? }
 * with an `Idempotency-Key` header: captures exactly those lines at the PSP and records the
 * capture in Medusa once the PSP confirmed it (202 while its answer is pending).
 */
import { moveLinesRoute } from "../move-lines"

export const POST = moveLinesRoute("capture")
