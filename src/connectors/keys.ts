/**
 * Our idempotency keys at the PSP's edge. A key is built once (lifecycle/keys.ts) and may be longer
 * than a PSP field allows (Resurs transactionId: 50 characters). Cutting it would let two keys
 * collide (two captures, one at the PSP); a key that does not fit is replaced by a hash of the
 * whole key instead, the same every time, so the PSP's record can still be matched.
 */
import { createHash } from "node:crypto"

/** `key` itself when it fits in `maxLength`, else `h:` + base64url(SHA-256(key)) cut to fit. */
export function fitKey(key: string, maxLength: number): string {
  if (key.length <= maxLength) {
    return key
  }
  if (maxLength < 24) {
    throw new Error(`a PSP key field of ${maxLength} characters cannot hold a collision-safe hash`)
  }
  return `h:${createHash("sha256").update(key, "utf8").digest("base64url")}`.slice(0, maxLength)
}
