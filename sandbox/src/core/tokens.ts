import { randomBytes } from "node:crypto"
import type { Clock } from "./clock"

type Issued = { subject: string; expiresAtMs: number }

/** Opaque bearer tokens with an expiry on the sandbox clock; used by every PSP that logs in. */
export class TokenStore {
  private readonly tokens = new Map<string, Issued>()

  constructor(private readonly clock: Clock) {}

  issue(subject: string, lifetimeSeconds: number): string {
    const token = randomBytes(24).toString("base64url")
    this.tokens.set(token, { subject, expiresAtMs: this.clock.nowMs() + lifetimeSeconds * 1000 })
    return token
  }

  /** The subject the token was issued to, or why it is not valid. */
  verify(token: string | undefined): { subject: string } | { problem: "missing" | "unknown" | "expired" } {
    if (!token) {
      return { problem: "missing" }
    }
    const issued = this.tokens.get(token)
    if (!issued) {
      return { problem: "unknown" }
    }
    if (issued.expiresAtMs <= this.clock.nowMs()) {
      return { problem: "expired" }
    }
    return { subject: issued.subject }
  }

  clear(): void {
    this.tokens.clear()
  }
}
