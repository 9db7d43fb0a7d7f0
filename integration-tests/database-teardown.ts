import type { LocalPostgres } from "../scripts/local-postgres"

export default async function databaseTeardown(): Promise<void> {
  await (globalThis as { __localPostgres__?: LocalPostgres }).__localPostgres__?.stop()
}
