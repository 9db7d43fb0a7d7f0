/**
 * The contract every PSP connector implements. Connectors speak one PSP's protocol and nothing
 * else: they know neither Medusa nor the database. Amounts are integer minor units (bigint);
 * each connector converts to its PSP's format at its own edge.
 */

/** What the PSP says about a payment, reduced to the states the store acts on. */
export type PspPaymentState =
  /** created; the shopper has not finished the hosted page */
  | "awaiting_shopper"
  /** credit decision or fraud check pending (Resurs FROZEN/INSPECTION, CM "not yet safe") */
  | "held"
  /** approved; money reserved and capturable */
  | "authorized"
  /** approved and nothing left to capture (fully captured, possibly partly refunded) */
  | "captured"
  /** declined by the PSP (credit denied, fraud) */
  | "rejected"
  /** canceled or expired: nothing reserved any more */
  | "canceled"

export type OrderLineKind = "product" | "shipping" | "discount" | "fee"

/**
 * One line of the order as sent to the PSP. `reference` identifies the line at the PSP (line-level
 * capture and refund refer to it); amounts include VAT and discounts.
 */
export type PspOrderLine = {
  reference: string
  description: string
  kind: OrderLineKind
  quantity: number
  /** total for `quantity` units, VAT and discounts included, minor units */
  totalAmount: bigint
  /** VAT rate in percent, as a decimal string ("25", "12.5") */
  vatRate: string
}

/** Part of a line: `quantity` units of line `reference` worth `amount` (minor units). */
export type PspLineAmount = {
  reference: string
  quantity: number
  amount: bigint
}

export type CreateCheckoutInput = {
  /** our idempotency key for the creation: the Medusa payment session id */
  key: string
  /** the merchant's order reference shown to the shopper and on PSP reports */
  orderReference: string
  currency: string
  amount: bigint
  lines: PspOrderLine[]
  customer?: {
    email?: string
    phone?: string
    firstName?: string
    lastName?: string
    countryCode?: string
  }
  /** where the PSP sends the shopper back */
  returnUrls: { success: string; fail: string }
  /** where the PSP sends its callbacks for this payment */
  callbackUrl: string
}

export type CreatedCheckout = {
  pspReference: string
  redirectUrl: string
  payment: PspPayment
}

/** A money movement the PSP recorded (Resurs actionLog entry, DR capture, CM refund...). */
export type PspAction = {
  id: string
  kind: "capture" | "refund" | "cancel"
  /** our key, when the PSP echoes one back (Resurs transactionId) */
  key?: string
  amount: bigint
  lines: PspLineAmount[]
  createdAt?: string
}

/** The truth about a payment, fetched from the PSP. Amounts in minor units. */
export type PspPayment = {
  pspReference: string
  state: PspPaymentState
  /** the PSP's own status word(s), for the status history and the admin */
  rawStatus: string
  currency: string
  totalAmount: bigint
  authorizedAmount: bigint
  capturedAmount: bigint
  refundedAmount: bigint
  canceledAmount: bigint
  actions: PspAction[]
  redirectUrl?: string
  rejectedReason?: string
}

export type MoneyOperationInput = {
  /** idempotency key derived from the Medusa id (capture, refund, fulfillment, return) */
  key: string
  currency: string
  amount: bigint
  /**
   * the part of each order line this operation covers (`quantity` units worth `totalAmount`);
   * omitted: act on the amount alone (or everything remaining, where the PSP needs lines)
   */
  lines?: PspOrderLine[]
}

/** What a callback said once verified. A hint: the state itself is always fetched back. */
export type CallbackHint = {
  pspReference: string
  /** identifies this delivery's event, so repeats are stored once */
  dedupKey: string
  event: string
  /** what of the callback may be stored in the inbox: no secrets, no personal data */
  auditPayload: Record<string, unknown>
  /** true when the callback's origin was proven (signature, shared secret); false for bare hints */
  verified: boolean
}

export type CallbackInput = {
  rawBody: Buffer
  headers: Record<string, string | string[] | undefined>
  query: Record<string, unknown>
}

export interface Connector {
  readonly psp: string
  /**
   * True when the PSP captures and refunds order lines, not amounts (Resurs): an amount must then
   * be expressed as lines, and an operation without lines means "everything remaining".
   */
  readonly movesMoneyByLines: boolean
  createCheckout(input: CreateCheckoutInput): Promise<CreatedCheckout>
  /** `currency` is the payment's: some PSPs (Resurs) leave it out of their payloads */
  getPayment(pspReference: string, currency: string): Promise<PspPayment>
  /**
   * capture and refund must be safe to repeat with the same key: a PSP without idempotency is
   * de-duplicated on its own record of our key (Resurs transactionId in the actionLog)
   */
  capture(pspReference: string, input: MoneyOperationInput): Promise<PspPayment>
  refund(pspReference: string, input: MoneyOperationInput): Promise<PspPayment>
  /** releases what is still reserved (all of it when `lines` is omitted) */
  cancel(pspReference: string, input: Omit<MoneyOperationInput, "amount"> & { amount?: bigint }): Promise<PspPayment>
  /** verifies and parses a callback; throws CallbackRejectedError when it must not be trusted */
  parseCallback(input: CallbackInput): CallbackHint
  /** the HTTP status the PSP expects for an accepted callback */
  readonly callbackAcceptedStatus: number
}
