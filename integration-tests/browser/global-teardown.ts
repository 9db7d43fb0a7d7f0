/** Stops the demo store of the browser level (sandbox, Medusa, storefront) and drops its database. */
import { Client } from "pg"
import type { BrowserStore } from "./global-setup"

export default async function browserTeardown(): Promise<void> {
  const store = (globalThis as { __browserStore__?: BrowserStore }).__browserStore__
  if (!store) {
    return
  }
  const { demo, postgres, database } = store
  if (demo.exitCode === null && demo.signalCode === null) {
    // the demo stops what it started (Medusa's process group included) on SIGTERM
    const exited = new Promise((resolve) => demo.once("exit", resolve))
    demo.kill("SIGTERM")
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))])
  }
  const client = new Client({
    host: postgres.env.DB_HOST,
    port: Number(postgres.env.DB_PORT),
    user: postgres.env.DB_USERNAME,
    password: postgres.env.DB_PASSWORD,
    database: "postgres",
  })
  try {
    await client.connect()
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
  } catch (error) {
    process.stdout.write(`[browser] could not drop database ${database}: ${(error as Error).message}\n`)
  } finally {
    await client.end().catch(() => undefined)
  }
  await postgres.stop()
}
