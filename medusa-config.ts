/**
 * This repository is both the plugin and a store that runs it: the demo (`npm run demo`) and the
 * HTTP integration tests boot Medusa from this file, loading the plugin's providers and modules
 * straight from ./src. A shop installs the published package instead; see the README.
 */
import { defineConfig, loadEnv } from "@medusajs/framework/utils"

loadEnv(process.env.NODE_ENV || "development", process.cwd())

function databaseUrlFromEnv(): string {
  if (process.env.DATABASE_URL) {
    return process.env.DATABASE_URL
  }
  const user = process.env.DB_USERNAME || "postgres"
  const password = process.env.DB_PASSWORD ? `:${encodeURIComponent(process.env.DB_PASSWORD)}` : ""
  const host = process.env.DB_HOST || "localhost"
  const port = process.env.DB_PORT || "5432"
  const name = process.env.DB_NAME || "medusa_order_payments_demo"
  return `postgres://${encodeURIComponent(user)}${password}@${host}:${port}/${name}`
}

const localUrls = "http://localhost:8000,http://localhost:9000,http://localhost:7001"

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: databaseUrlFromEnv(),
    http: {
      storeCors: process.env.STORE_CORS || localUrls,
      adminCors: process.env.ADMIN_CORS || localUrls,
      authCors: process.env.AUTH_CORS || localUrls,
      jwtSecret: process.env.JWT_SECRET || "demo-only-jwt-secret",
      cookieSecret: process.env.COOKIE_SECRET || "demo-only-cookie-secret",
    },
  },
  admin: {
    disable: process.env.MEDUSA_DISABLE_ADMIN === "true",
  },
  // The plugin's own modules and payment providers, loaded from ./src (later issues add them here).
  modules: [{ resolve: "./src/modules/payment-ledger" }],
})
