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

/** Where the PSP's own record of a money movement stands. */
export type PspActionStatus =
  /** applied: the money moved */
  | "succeeded"
  /** acknowledged; the PSP confirms later (Nemuru asynchronous mode, Digital River fulfillments) */
  | "pending"
  /** refused or failed after the fact (a lender's rejection, Digital River capture.failed) */
  | "failed"

/** A money movement the PSP recorded (Resurs actionLog entry, DR capture, CM refund...). */
export type PspAction = {
  id: string
  kind: "capture" | "refund" | "cancel"
  status: PspActionStatus
  /** our key as the PSP echoes it back (Resurs transactionId): `fitKey(key, maxLength)`, see keys.ts */
  key?: string
  amount: bigint
  lines: PspLineAmount[]
  /** the tender this movement belongs to, where a payment has several (CM.com payments) */
  tenderId?: string
  /** the PSP's reason for a failure, shown to the admin */
  failureReason?: string
  createdAt?: string
}

/**
 * One means of payment inside a PSP payment: CM.com pays one order with several payments (a gift
 * card and a card), each captured and refunded on its own. PSPs with one means have no tenders.
 */
export type PspTender = {
  id: string
  /** the PSP's payment method name (`GIFTCARD`, `VISA`...) */
  method: string
  authorizedAmount: bigint
  capturedAmount: bigint
  refundedAmount: bigint
  /** the PSP captured it at authorization (gift cards): adopted, never captured again */
  capturedAtAuthorization: boolean
}

/** The truth about a payment, fetched from the PSP. Amounts in minor units. */
export type PspPayment = {
  /**
   * the PSP's reference of the payment. Where it differs from the one `createCheckout` returned
   * (the PSP makes its payment only once the shopper finished: Digital River's order), the sync
   * keeps this one on the instrument, since the PSP's callbacks name it; `getPayment` then accepts
   * both.
   */
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
  /**
   * false while the PSP says the goods must not ship yet although the payment is authorized
   * (CM.com `considered_safe` not SAFE): fulfillment is refused as for a held payment. Omitted:
   * the authorization alone decides.
   */
  safeToShip?: boolean
  /** several means of payment under one PSP payment (CM.com); omitted: one */
  tenders?: PspTender[]
  /** the PSP's ids of our order lines, by our line reference (Nemuru, Digital River item ids) */
  lineIds?: Record<string, string>
  redirectUrl?: string
  rejectedReason?: string
}

export type MoneyOperationInput = {
  /**
   * our idempotency key (lifecycle/keys.ts). A PSP field too short for it gets `fitKey`, a hash,
   * never a prefix: two keys must never collide at the PSP.
   */
  key: string
  currency: string
  amount: bigint
  /**
   * the part of each order line this operation covers (`quantity` units worth `totalAmount`);
   * omitted: act on the amount alone (or everything remaining, where the PSP needs lines)
   */
  lines?: PspOrderLine[]
  /** the PSP's ids of the order lines (PspPayment.lineIds), for PSPs that assign their own */
  lineIds?: Record<string, string>
  /** the tender to move money on, where the payment has several */
  tenderId?: string
}

/**
 * What the PSP answered to a capture, refund or cancel it accepted. A refusal is thrown
 * (PspRequestRejectedError); no answer is thrown too (PspUnknownOutcomeError, PspRateLimitedError).
 */
export type MoneyOperationOutcome = {
  /** `succeeded`: the money moved; `accepted`: the PSP confirms later (callback or fetch) */
  status: "succeeded" | "accepted"
  /** the PSP's ids for this operation, to find it on the PSP's record later */
  pspOperationIds: string[]
  /** the payment as the answer showed it, when the PSP's answer carries it */
  payment?: PspPayment
}

/**
 * What a connector can do, declared so that the engine never guesses from the PSP's name.
 */
export type ConnectorCapabilities = {
  /** captures and refunds name order lines (Resurs, Nemuru, Digital River) or an amount (CM.com) */
  moneyBy: "lines" | "amount"
  /** `synchronous`: the PSP's answer is final; `asynchronous`: it may accept now and confirm later */
  settlement: "synchronous" | "asynchronous"
  /** how the uncaptured rest is released: all at once, by lines, or not at all (left to expire) */
  cancel: "all" | "lines" | "none"
  /**
   * whether the PSP keeps our key on its record of an operation (Resurs transactionId), and how
   * long it may be; `false`: operations are found again by the PSP's ids stored when it answered
   */
  echoesKey: { maxLength: number } | false
  /** the currencies the PSP account takes; omitted: whatever the PSP accepts */
  currencies?: readonly string[]
}

/** What a callback said once verified. A hint: the state itself is always fetched back. */
export type CallbackHint = {
  /** which payment: the PSP's reference, or our own merchant reference (CM.com pings) */
  lookup: { pspReference: string } | { merchantReference: string }
  /**
   * identifies this delivery's event, so repeats are stored once; null for identity-less pings
   * (CM.com), which are only coalesced into one fetch of the payment
   */
  dedupKey: string | null
  event: string
  /** what of the callback may be stored in the inbox: no secrets, no personal data */
  auditPayload: Record<string, unknown>
  /** true when the callback's origin was proven (signature, shared secret); false for bare hints */
  verified: boolean
  /**
   * the PSP's id of the money movement the callback announces (Resurs management `actionId`),
   * where it names one: a hint about a movement already settled from the PSP's own answer to our
   * call tells nothing new and asks for no read
   */
  pspActionId?: string
}

export type CallbackInput = {
  method: "GET" | "POST"
  rawBody: Buffer
  headers: Record<string, string | string[] | undefined>
  query: Record<string, unknown>
}

/** What the callback route answers the PSP. */
export type CallbackAcknowledgement = {
  status: number
  headers?: Record<string, string>
  body: unknown
}

export interface Connector {
  readonly psp: string
  readonly capabilities: ConnectorCapabilities
  createCheckout(input: CreateCheckoutInput): Promise<CreatedCheckout>
  /**
   * The PSP payment a `createCheckout` whose answer was lost may have made, found by what was sent
   * (our key, the merchant reference); undefined when the PSP has none. Omitted where the PSP
   * cannot be searched: the checkout then fails and the shopper starts again.
   */
  findCheckout?(input: CreateCheckoutInput): Promise<CreatedCheckout | undefined>
  /** `currency` is the payment's: some PSPs (Resurs) leave it out of their payloads */
  getPayment(pspReference: string, currency: string): Promise<PspPayment>
  /**
   * One request to the PSP, never preceded by a read: the engine owns de-duplication (it holds a
   * lease on the key while the call is in flight, and reads the PSP's record before any re-send).
   */
  capture(pspReference: string, input: MoneyOperationInput): Promise<MoneyOperationOutcome>
  refund(pspReference: string, input: MoneyOperationInput): Promise<MoneyOperationOutcome>
  /** releases what is still reserved (all of it when `lines` is omitted) */
  cancel(pspReference: string, input: Omit<MoneyOperationInput, "amount"> & { amount?: bigint }): Promise<MoneyOperationOutcome>
  /** verifies and parses a callback; throws CallbackRejectedError when it must not be trusted */
  parseCallback(input: CallbackInput): CallbackHint
  /** the answer the PSP expects for a callback that was stored (or was a duplicate) */
  acknowledge(hint: CallbackHint, duplicate: boolean): CallbackAcknowledgement
  /**
   * The answer for a callback that names no payment we know. Omitted: 404. A PSP that retries
   * every answer but a success (CM.com pings), or disables an endpoint that keeps failing (Digital
   * River sends every event of the account, other shops' orders included), gets a success here, so
   * that a callback for an order of another system (or one long gone) does not turn into a retry
   * storm; nothing is stored.
   */
  acknowledgeUnknown?(hint: CallbackHint): CallbackAcknowledgement
}
