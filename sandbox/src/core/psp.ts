import type { z } from "zod"
import type { CallbackDispatcher } from "./callbacks"
import type { Clock, Scheduler } from "./clock"
import type { SandboxResponse } from "./http"
import type { Route } from "./router"
import type { TokenStore } from "./tokens"

/** What the core hands every simulated PSP. */
export type SandboxContext = {
  /** The sandbox's own base URL without a trailing slash (hosted-page links are built from it). */
  publicUrl(): string
  clock: Clock
  /** Delayed work (lender confirmations); cancelled by reset and close. */
  scheduler: Scheduler
  tokens: TokenStore
  callbacks: CallbackDispatcher
}

export type PspSimulator = {
  /** API endpoints and hosted pages, with full paths under the PSP's base path. */
  routes: Route[]
  /** PSP-specific control endpoints, with full paths under `/_sandbox/<name>/`. */
  controlRoutes: Route[]
  /** An error in this PSP's own shape (used for injected faults and unknown paths). */
  errorResponse(status: number, message: string): SandboxResponse
  /** Inspection: each order's state and money totals, as exact decimal strings. */
  orders(): unknown[]
  reset(): void
}

/** One PSP: a folder under `sandbox/src/psps/<name>/` exporting one of these, plus a line in `psps/index.ts`. */
export type PspDefinition<Name extends string = string, Options extends z.ZodType = z.ZodType> = {
  name: Name
  title: string
  /** Stands in for the PSP's base URL, e.g. `/resurs/`; may contain `:params` (CM.com's merchant key). */
  basePath: string
  options: Options
  create(context: SandboxContext, options: z.output<Options>): PspSimulator
}

export function definePsp<const Name extends string, Options extends z.ZodType>(
  definition: PspDefinition<Name, Options>
): PspDefinition<Name, Options> {
  return definition
}
