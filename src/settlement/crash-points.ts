/**
 * Crash points for the crash tests (integration-tests/runtime): the test starts a Medusa process
 * with MEDUSA_ORDER_PAYMENTS_CRASH_AT naming one point, and the process kills itself there
 * (SIGKILL: no cleanup, no finally, exactly like a power cut), so the test can check what a
 * restart and the reconcile job repair.
 *
 * Inert everywhere else: it acts only when NODE_ENV is "test" AND the variable names the point
 * (a production start has NODE_ENV=production; `medusa start` sets it when unset), and a point not
 * named costs one comparison.
 */
export const CRASH_POINTS = {
  /** (a) the operation row is written (requested, leased), the PSP call not made */
  beforePspCall: "before-psp-call",
  /** (c) the PSP applied the operation and answered; neither the ledger nor Medusa recorded it */
  pspAnswered: "psp-answered",
  /** (d) a callback was acknowledged; its sync read the PSP and holds the payment's lock */
  callbackSync: "callback-sync",
} as const

export type CrashPoint = (typeof CRASH_POINTS)[keyof typeof CRASH_POINTS]

export const CRASH_AT_ENV = "MEDUSA_ORDER_PAYMENTS_CRASH_AT"

export function crashPoint(point: CrashPoint, when = true): void {
  if (when && process.env.NODE_ENV === "test" && process.env[CRASH_AT_ENV] === point) {
    process.kill(process.pid, "SIGKILL")
  }
}
