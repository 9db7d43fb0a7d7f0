/**
 * Jest global setup of the runtime lane: PostgreSQL (configured or embedded), then ONE template
 * database migrated with `medusa db:migrate` and seeded with the demo store (`medusa exec
 * ./demo/seed.ts`), which every test file copies (CREATE DATABASE … TEMPLATE) instead of migrating
 * again. Its name and the seeded store reach the test files through the environment.
 */
import { Client } from "pg"
import databaseSetup from "../../database-setup"
import { configuredDatabase, databaseUrl } from "../../../scripts/local-postgres"
import { runMedusa } from "./processes"

export default async function runtimeSetup(): Promise<void> {
  await databaseSetup()
  const db = configuredDatabase()
  const template = `rt_template_${Date.now().toString(36)}`
  const admin = new Client({ connectionString: databaseUrl(db, "postgres") })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${template}`)
  } finally {
    await admin.end()
  }
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl(db, template),
    // the providers register at boot only with a sandbox URL; nothing is called at this address
    PSP_SANDBOX_URL: "http://127.0.0.1:9",
    MEDUSA_DISABLE_ADMIN: "true",
    NODE_ENV: "test",
    REDIS_URL: "",
    LOG_LEVEL: "error",
  }
  process.stdout.write(`runtime lane: migrating and seeding the template database ${template}\n`)
  await runMedusa(["db:migrate"], env, "template-migrate.log")
  const output = await runMedusa(["exec", "./demo/seed.ts"], env, "template-seed.log")
  const storeLine = output.split("\n").find((line) => line.startsWith("DEMO_STORE "))
  if (!storeLine) {
    throw new Error("the seed did not report the demo store (.data/runtime-tests/template-seed.log)")
  }
  process.env.RUNTIME_TEMPLATE_DB = template
  process.env.RUNTIME_DEMO_STORE = storeLine.slice("DEMO_STORE ".length)
}
