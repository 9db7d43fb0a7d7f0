/**
 * The reference model of one Resurs order: what the PSP, the ledger and Medusa must all show after
 * each command. Pure and small on purpose: it knows the demo cart's lines and the lifecycle rules
 * the plugin promises (a fulfillment captures exactly its lines, shipping with the first capture;
 * a return refunds exactly its lines; cancel refunds what is captured and releases the rest), and
 * nothing about how the plugin gets there. Money in integer minor units (bigint) only.
 */

/** The demo cart (demo/seed.ts): 2 × Canvas Tote 219, 1 × Linen Shirt 649, 3 × Wool Sweater 995, shipping 59 SEK. */
export const PRODUCTS = [
  { sku: "CANVAS-TOTE", quantity: 2, unit: 21_900n },
  { sku: "LINEN-SHIRT", quantity: 1, unit: 64_900n },
  { sku: "WOOL-SWEATER", quantity: 3, unit: 99_500n },
] as const
export const SHIPPING = { reference: "shipping", amount: 5_900n } as const
export const ORDER_TOTAL = PRODUCTS.reduce((sum, product) => sum + product.unit * BigInt(product.quantity), 0n) + SHIPPING.amount

export type Sku = (typeof PRODUCTS)[number]["sku"]

export type LineModel = { ordered: number; fulfilled: number; returned: number; captured: number; refunded: number }

export type Phase = "placed" | "held" | "canceled" | "rejected"

export type OrderModel = {
  phase: Phase
  lines: Record<Sku, LineModel>
  shippingCaptured: boolean
  /** money refunded without lines (order cancel) */
  refundedByAmount: bigint
  /** released at the PSP by the order's cancel */
  canceledAmount: bigint
  /** PSP actions expected: one per capture / refund that moved money (a replayed key moves nothing) */
  captureActions: number
  refundActions: number
  /** admin Idempotency-Keys used so far, per kind, in order */
  adminKeys: { capture: string[]; refund: string[] }
  /** returns received so far */
  returns: number
  /** a counter for fresh names (admin keys, crash keys) */
  counter: number
}

export function newOrderModel(phase: Phase): OrderModel {
  const lines = Object.fromEntries(
    PRODUCTS.map((product) => [product.sku, { ordered: product.quantity, fulfilled: 0, returned: 0, captured: 0, refunded: 0 }])
  ) as Record<Sku, LineModel>
  return {
    phase,
    lines,
    shippingCaptured: false,
    refundedByAmount: 0n,
    canceledAmount: 0n,
    captureActions: 0,
    refundActions: 0,
    adminKeys: { capture: [], refund: [] },
    returns: 0,
    counter: 0,
  }
}

export const unitOf = (sku: Sku): bigint => PRODUCTS.find((product) => product.sku === sku)!.unit

export function capturedAmount(model: OrderModel): bigint {
  return PRODUCTS.reduce((sum, product) => sum + product.unit * BigInt(model.lines[product.sku].captured), 0n) + (model.shippingCaptured ? SHIPPING.amount : 0n)
}

export function refundedAmount(model: OrderModel): bigint {
  return PRODUCTS.reduce((sum, product) => sum + product.unit * BigInt(model.lines[product.sku].refunded), 0n) + model.refundedByAmount
}

/** What every side must show for the order's payment. */
export type Expected = { captured: bigint; refunded: bigint; canceled: bigint; lines: Record<Sku, { captured: number; refunded: number }> | null }

export function expectedOf(model: OrderModel): Expected {
  return {
    captured: capturedAmount(model),
    refunded: refundedAmount(model),
    canceled: model.canceledAmount,
    // after a cancel the refund is by amount: per-line refunds are the PSP's choice
    lines:
      model.phase === "canceled"
        ? null
        : (Object.fromEntries(PRODUCTS.map(({ sku }) => [sku, { captured: model.lines[sku].captured, refunded: model.lines[sku].refunded }])) as Record<
            Sku,
            { captured: number; refunded: number }
          >),
  }
}

/**
 * Picks concrete quantities from a command's abstract choice: `wanted[i]` units of product i,
 * capped by `room(line)`; lines with no room are left out. Deterministic, so a shrunk command
 * list replays the same way.
 */
export function pick(model: OrderModel, wanted: readonly number[], room: (line: LineModel) => number): { sku: Sku; quantity: number }[] {
  return PRODUCTS.map((product, index) => ({ sku: product.sku, quantity: Math.min(wanted[index] ?? 0, room(model.lines[product.sku])) })).filter(
    (choice) => choice.quantity > 0
  )
}

/** Units that may be fulfilled now: not fulfilled yet (some may have been captured by the admin ahead of the shipment). */
export const fulfillableRoom = (line: LineModel) => line.ordered - line.fulfilled
/** Units the admin may capture: not captured yet. */
export const capturableRoom = (line: LineModel) => line.ordered - line.captured
/** Units that may be returned: fulfilled, not returned, and still refundable. */
export const returnableRoom = (line: LineModel) => Math.min(line.fulfilled - line.returned, line.captured - line.refunded)
/** Units the admin may refund: captured and not refunded, leaving room for the returns still possible. */
export const refundableRoom = (line: LineModel) => line.captured - line.refunded - (line.fulfilled - line.returned)

export function applyCapture(model: OrderModel, lines: { sku: Sku; quantity: number }[], withShipping: boolean): void {
  for (const { sku, quantity } of lines) {
    model.lines[sku].captured += quantity
  }
  if (withShipping && !model.shippingCaptured && lines.length) {
    model.shippingCaptured = true
  }
  model.captureActions++
}

/**
 * A fulfillment of `lines`: what ships must be captured, and units the admin captured ahead of the
 * shipment count towards it (never captured twice): each line captures the shipped units not yet
 * captured. Shipping goes with the first capture (captureShipping "first").
 */
export function applyFulfillment(model: OrderModel, lines: { sku: Sku; quantity: number }[]): void {
  const capture: { sku: Sku; quantity: number }[] = []
  for (const { sku, quantity } of lines) {
    const line = model.lines[sku]
    line.fulfilled += quantity
    const owed = Math.min(quantity, line.fulfilled - line.captured)
    if (owed > 0) capture.push({ sku, quantity: owed })
  }
  if (capture.length) {
    applyCapture(model, capture, true)
  }
}

export function applyRefund(model: OrderModel, lines: { sku: Sku; quantity: number }[]): void {
  for (const { sku, quantity } of lines) {
    model.lines[sku].refunded += quantity
  }
  model.refundActions++
}

export function applyCancel(model: OrderModel): void {
  const open = capturedAmount(model) - refundedAmount(model)
  model.refundedByAmount += open
  model.canceledAmount = ORDER_TOTAL - capturedAmount(model)
  model.phase = "canceled"
}

export function describeModel(model: OrderModel): string {
  const lines = PRODUCTS.map(({ sku }) => {
    const line = model.lines[sku]
    return `${sku} f${line.fulfilled} r${line.returned} c${line.captured} rf${line.refunded}`
  })
  return `${model.phase}; ${lines.join(", ")}; shipping ${model.shippingCaptured ? "captured" : "open"}`
}
