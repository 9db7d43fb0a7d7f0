/**
 * The one key builder. Every money operation's idempotency key derives from the Medusa id that
 * asked for it and names the instrument it moves money on, so that a retry, a redelivered event
 * or a restart lands on the same operation, and two payments of one order never share a key:
 *
 *   <kind>:<source>:<medusa id>:<instrument id>     capture:fulfillment:ful_01H…:pinst_01H…
 *
 * `source` says what asked (fulfillment, return, admin, order-cancel, psp for adopted movements).
 * Keys are only ever compared whole; a PSP field too short for one gets a hash (connectors/keys.ts).
 */
export type OperationKeyKind = "authorize" | "capture" | "refund" | "cancel"

export type OperationKeySource =
  /** a fulfillment (or its shipment) captures its lines */
  | "fulfillment"
  /** the whole order at once (captureOnOrderPlaced) */
  | "order"
  /** a return's received lines; the Medusa id names the receipt */
  | "return"
  /** the admin's request, by its Idempotency-Key scoped to the order */
  | "admin"
  /** Medusa core asked through the provider (its Capture/Refund id, or its cancel) */
  | "medusa"
  /** order canceled: release and refund what is left */
  | "order-cancel"
  /** a payment session replaced while its PSP payment was open */
  | "session-replaced"
  /** the shopper's authorization of a session */
  | "session"
  /** a movement the PSP made on its own, by the PSP's id */
  | "psp"

export function operationKey(input: { kind: OperationKeyKind; source: OperationKeySource; id: string; instrumentId: string }): string {
  for (const [name, value] of Object.entries(input)) {
    if (!value) {
      throw new Error(`operationKey: ${name} is required`)
    }
  }
  return `${input.kind}:${input.source}:${input.id}:${input.instrumentId}`
}

/**
 * The key of one tender's part of an operation split across a payment's tenders (lifecycle/
 * tender-split.ts): the operation's key and the PSP's id of the tender.
 *
 *   refund:return:orch_01H…:pinst_01H…:cmpay_2
 */
export function tenderPartKey(key: string, tenderId: string): string {
  if (!key || !tenderId) {
    throw new Error("tenderPartKey: key and tenderId are required")
  }
  return `${key}:${tenderId}`
}

/** `what asked for it`, stored with the operation: `fulfillment:ful_…`, `admin:order_…:<key>`. */
export function operationOrigin(source: OperationKeySource, id: string): string {
  return `${source}:${id}`
}

