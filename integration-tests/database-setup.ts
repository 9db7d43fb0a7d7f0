import { startLocalPostgres } from "../scripts/local-postgres"

/**
 * Jest global setup for the levels that need PostgreSQL: use the configured server, or start the
 * embedded one, and hand its coordinates to the test runners through DB_* variables.
 */
export default async function databaseSetup(): Promise<void> {
  const postgres = await startLocalPostgres((line) => process.stdout.write(`${line}\n`))
  Object.assign(process.env, postgres.env)
  ;(globalThis as { __localPostgres__?: typeof postgres }).__localPostgres__ = postgres
}
