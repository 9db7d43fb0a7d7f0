/**
 * What a PSP's conformance run needs from its connector's authors: how to build the connector
 * against a started sandbox, a checkout, the shopper's approval, which sandbox endpoints carry
 * faults, and what the PSP cannot do (cases that are then not generated).
 */
import type { Sandbox, SandboxOptions } from "../../../../sandbox/src"
import type { CallbackInput, Connector, CreateCheckoutInput, CreatedCheckout } from "../../types"

export type ConformanceCurrency = {
  /** ISO 4217, lower case, as the connector takes it */
  code: string
  /** its minor-unit exponent (2 for SEK, 0 for JPY) */
  exponent: number
}

export type ConformanceHarness = {
  /** options for the sandbox this run starts (stores or accounts per currency...) */
  sandboxOptions?: Omit<SandboxOptions, "port">
  /** every currency the PSP takes here, each exponent at least once; the first is the default */
  currencies: readonly ConformanceCurrency[]
  /**
   * a new connector against `sandbox` for a payment in `currency`. Its retry policy must take at
   * least 3 attempts and honour a Retry-After of 1 s in-process.
   */
  connector(sandbox: Sandbox, currency: string): Connector
  /**
   * a checkout in `currency` whose amounts use every minor digit the currency has, with at least two
   * lines, the first of quantity 2 or more (for a capture of part of a line)
   */
  checkout(input: { currency: string; key: string; callbackUrl: string }): CreateCheckoutInput
  /** the shopper approves on the hosted page (through the sandbox's control API) */
  approve(sandbox: Sandbox, created: CreatedCheckout): Promise<void>
  /** sandbox request-fault matchers: the PSP's name and its endpoints' names in the request log */
  endpoints: { psp: string; capture: string; read: string }
  /**
   * callbacks that must not be trusted as they are: malformed, or forged for `created`'s payment.
   * Each must be refused (CallbackRejectedError) or come out as an unverified hint.
   */
  untrustedCallbacks(created: CreatedCheckout): CallbackInput[]
  /**
   * how to make the PSP fail a capture after it accepted it (Digital River capture.failed);
   * `undefined` where the PSP cannot (Resurs answers synchronously and finally): not generated
   */
  lateFailure: { arm(sandbox: Sandbox): Promise<void> } | undefined
}
