/**
 * Errors a connector throws. The split that matters for money: a *definite* failure (the PSP said
 * no, nothing moved) versus an *unknown outcome* (timeout, 5xx, dropped connection: money may
 * have moved). Unknown outcomes are settled later by fetching the PSP state, never retried blindly
 * as failures. Messages carry the PSP's code and trace id, never credentials.
 */

export type PspErrorDetails = {
  psp: string
  operation: string
  httpStatus?: number
  code?: string
  traceId?: string
  /** field path → message, when the PSP names the offending fields */
  fields?: Record<string, string>
}

export class PspError extends Error {
  readonly details: PspErrorDetails

  constructor(message: string, details: PspErrorDetails) {
    super(message)
    this.name = new.target.name
    this.details = details
  }
}

/** The PSP refused the request; nothing happened at the PSP. Safe to fix and retry with a new key. */
export class PspRequestRejectedError extends PspError {}

/** Credentials refused (bad client id/secret, expired key). */
export class PspAuthenticationError extends PspError {}

/** The outcome is unknown: the request may or may not have been applied. */
export class PspUnknownOutcomeError extends PspError {}

/** The payment does not exist at the PSP. */
export class PspNotFoundError extends PspError {}

/** The PSP answered with something that does not match its documented schema. */
export class PspProtocolError extends PspError {}

/** A callback that must not be acted on; `httpStatus` is what the callback route answers. */
export class CallbackRejectedError extends Error {
  constructor(
    message: string,
    readonly httpStatus: 400 | 401 | 404 | 415
  ) {
    super(message)
    this.name = "CallbackRejectedError"
  }
}

/**
 * A callback that is genuine (or harmless) but that we do not act on: an event type we do not
 * handle. The callback route answers `httpStatus` (2xx) and stores nothing; PSPs that disable
 * endpoints answering errors (Digital River) must not see a 4xx for it.
 */
export class CallbackIgnoredError extends Error {
  constructor(
    message: string,
    readonly httpStatus: 200 | 202 | 204 = 202
  ) {
    super(message)
    this.name = "CallbackIgnoredError"
  }
}

/**
 * The PSP asked us to slow down (429) until the retry budget ran out. Nothing was applied, but
 * the operation is not refused either: it stays open under the same key and is sent again later.
 */
export class PspRateLimitedError extends PspError {
  constructor(message: string, details: PspErrorDetails, readonly retryAfterSeconds?: number) {
    super(message, details)
  }
}
