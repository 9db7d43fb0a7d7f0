import { Client } from "pg"
import databaseTeardown from "../../database-teardown"
import { configuredDatabase, databaseUrl } from "../../../scripts/local-postgres"

export default async function runtimeTeardown(): Promise<void> {
  const template = process.env.RUNTIME_TEMPLATE_DB
  if (template) {
    const admin = new Client({ connectionString: databaseUrl(configuredDatabase(), "postgres") })
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => undefined)
    await admin.end()
  }
  await databaseTeardown()
}
