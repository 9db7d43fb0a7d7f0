/**
 * The store the browser level runs against, booted once by global-setup.ts: the PSP sandbox,
 * Medusa (`medusa develop`, admin dashboard at /app) and the demo storefront, on a fresh database.
 */
import { readFileSync } from "node:fs"
import path from "node:path"

export type BrowserHarness = {
  /** Medusa, e.g. http://localhost:9800; the admin dashboard is at `${backendUrl}/app` */
  backendUrl: string
  storefrontUrl: string
  /** the PSP sandbox (control API under /_sandbox) */
  sandboxUrl: string
  publishableKey: string
  admin: { email: string; password: string }
  database: string
}

export const HARNESS_FILE = path.resolve(__dirname, "../../../.data/browser/harness.json")
export const ARTIFACTS_DIR = path.resolve(__dirname, "../../../.data/browser-artifacts")

export function harness(): BrowserHarness {
  try {
    return JSON.parse(readFileSync(HARNESS_FILE, "utf8")) as BrowserHarness
  } catch {
    throw new Error(`No browser harness at ${HARNESS_FILE}: run the browser tests with \`npm run test:browser\` (its global setup boots the store)`)
  }
}
