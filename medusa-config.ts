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

const backendUrl = process.env.MEDUSA_BACKEND_URL || `http://localhost:${process.env.PORT || 9000}`
const storefrontUrl = process.env.STOREFRONT_URL || backendUrl

// the demo's storefront and dashboard on whatever ports they were given (the browser tests pick free ones)
const localUrls = [...new Set(["http://localhost:8000", "http://localhost:9000", "http://localhost:7001", backendUrl, storefrontUrl])].join(",")

/**
 * The plugin's payment providers. With PSP_SANDBOX_URL (set by `npm run demo` and the HTTP tests)
 * they talk to the local PSP sandbox with its default credentials; otherwise a provider is
 * registered only when its credentials are in the environment.
 */
function paymentProviders() {
  const sandbox = process.env.PSP_SANDBOX_URL?.replace(/\/+$/, "")
  const shared = { backendUrl, returnUrl: `${storefrontUrl}/checkout/return?cart_id={cart_id}` }
  const providers = []
  if (sandbox || process.env.RESURS_CLIENT_ID) {
    providers.push({
      resolve: "./src/providers/resurs",
      id: "resurs",
      options: {
        ...shared,
        ...(sandbox && !process.env.RESURS_CLIENT_ID ? { environment: "sandbox" } : {}),
        baseUrl: process.env.RESURS_BASE_URL || (sandbox ? `${sandbox}/resurs/` : undefined),
        clientId: process.env.RESURS_CLIENT_ID || "sandbox-resurs-client",
        clientSecret: process.env.RESURS_CLIENT_SECRET || "sandbox-resurs-secret",
        storeId: process.env.RESURS_STORE_ID || "4c4f2b0c-5a0e-4b1e-9d55-0f7d4bbf2c11",
        paymentMethodId: process.env.RESURS_PAYMENT_METHOD_ID || "d2a5a3a6-8f5e-4f0b-9b6c-0f3a1d7c0001",
        // the sandbox's default store is Swedish
        currency: process.env.RESURS_CURRENCY || "SEK",
      },
    })
  }
  if (sandbox || process.env.DIGITALRIVER_SECRET_KEY) {
    const list = (value: string | undefined) => value?.split(",").map((item) => item.trim()).filter(Boolean)
    providers.push({
      resolve: "./src/providers/digitalriver",
      id: "digitalriver",
      options: {
        ...shared,
        ...(sandbox && !process.env.DIGITALRIVER_SECRET_KEY ? { environment: "sandbox" } : {}),
        baseUrl: process.env.DIGITALRIVER_BASE_URL || (sandbox ? `${sandbox}/digitalriver/` : undefined),
        secretKey: process.env.DIGITALRIVER_SECRET_KEY || "sk_test_sandbox_digitalriver",
        // during a rotation: the new secret and the previous one, comma-separated
        signingSecrets: list(process.env.DIGITALRIVER_SIGNING_SECRETS) ?? ["sandbox-digitalriver-signing-secret"],
        ...(list(process.env.DIGITALRIVER_CURRENCIES) ? { currencies: list(process.env.DIGITALRIVER_CURRENCIES) } : {}),
        // the sandbox has no Dashboard: the provider registers its webhook there itself
        registerWebhook: process.env.DIGITALRIVER_REGISTER_WEBHOOK ? process.env.DIGITALRIVER_REGISTER_WEBHOOK === "true" : Boolean(sandbox),
      },
    })
  }
  if (sandbox || process.env.NEMURU_USERNAME) {
    providers.push({
      resolve: "./src/providers/nemuru",
      id: "nemuru",
      options: {
        ...shared,
        ...(sandbox && !process.env.NEMURU_USERNAME ? { environment: "sandbox" } : {}),
        baseUrl: process.env.NEMURU_BASE_URL || (sandbox ? `${sandbox}/nemuru/api/` : undefined),
        username: process.env.NEMURU_USERNAME || "sandbox@nemuru.test",
        password: process.env.NEMURU_PASSWORD || "sandbox-nemuru-password",
        // demo/test only: a real store sets its own random secret
        notificationSecret: process.env.NEMURU_NOTIFICATION_SECRET || "demo-only-nemuru-notification-secret-0123456789",
        // Nemuru's recommendation is transactional; NEMURU_TRANSACTIONAL=false runs the asynchronous mode
        transactional: process.env.NEMURU_TRANSACTIONAL !== "false",
        autoConfirm: process.env.NEMURU_AUTOCONFIRM !== "false",
      },
    })
  }
  if (sandbox || process.env.CM_MERCHANT_KEY) {
    // CM.com: the Update URL to set in CM's back office is <backendUrl>/hooks/psp/cm_cm
    providers.push({
      resolve: "./src/providers/cm",
      id: "cm",
      options: {
        ...shared,
        ...(sandbox && !process.env.CM_MERCHANT_KEY ? { environment: "sandbox" } : {}),
        baseUrl: process.env.CM_BASE_URL || (sandbox ? `${sandbox}/cm/ps/api/public/v1/merchants/` : undefined),
        merchantName: process.env.CM_MERCHANT_NAME || "sandbox-cm-merchant",
        merchantPassword: process.env.CM_MERCHANT_PASSWORD || "sandbox-cm-password",
        merchantKey: process.env.CM_MERCHANT_KEY || "sandbox-cm-merchant-key",
      },
    })
  }
  return providers
}

/**
 * A secret from the environment. The demo and the tests may fall back to a fixed one; a production
 * start (NODE_ENV=production) without a real secret refuses to boot rather than sign sessions with
 * a value published in this repository.
 */
function secret(name: string, demoValue: string): string {
  const value = process.env[name]
  if (value) {
    return value
  }
  if (process.env.NODE_ENV === "production") {
    throw new Error(`${name} is not set: set it to a long random value before starting in production`)
  }
  return demoValue
}

/** The lifecycle options of the demo/test store, from the environment (unset: the plugin's defaults). */
function lifecycleOptionsFromEnv(): Record<string, unknown> {
  const env = process.env
  const flag = (value: string | undefined) => (value === undefined ? undefined : value === "true")
  const seconds = (value: string | undefined) => (value === undefined ? undefined : Number(value))
  const options = {
    captureOn: env.PAYMENTS_CAPTURE_ON,
    captureShipping: env.PAYMENTS_CAPTURE_SHIPPING,
    captureOnOrderPlaced: flag(env.PAYMENTS_CAPTURE_ON_ORDER_PLACED),
    refundOnReturn: flag(env.PAYMENTS_REFUND_ON_RETURN),
    reconcileAfterSeconds: seconds(env.PAYMENTS_RECONCILE_AFTER_SECONDS),
    operationLeaseSeconds: seconds(env.PAYMENTS_OPERATION_LEASE_SECONDS),
  }
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
}

/**
 * The production runtime: with REDIS_URL set, Medusa's event bus, workflow engine and locking run
 * on Redis, so a server and one or more workers (WORKER_MODE server / worker / shared) share one
 * database and one Redis. Without REDIS_URL, Medusa's in-process defaults (one process) are kept.
 * REDIS_KEY_PREFIX (optional, e.g. `shop1-`) keeps several stores, or test runs, on one Redis apart.
 */
function productionRuntimeModules(redisUrl: string | undefined) {
  if (!redisUrl) {
    return []
  }
  const prefix = process.env.REDIS_KEY_PREFIX || ""
  if (!/^[\w-]*$/.test(prefix)) {
    // BullMQ refuses ":" in queue names
    throw new Error(`REDIS_KEY_PREFIX may hold letters, digits, "_" and "-" only (got "${prefix}")`)
  }
  return [
    { resolve: "@medusajs/medusa/event-bus-redis", options: { redisUrl, ...(prefix ? { queueName: `${prefix}events-queue` } : {}) } },
    {
      resolve: "@medusajs/medusa/workflow-engine-redis",
      options: {
        redis: { redisUrl, ...(prefix ? { queueName: `${prefix}medusa-workflows`, jobQueueName: `${prefix}medusa-workflows-jobs` } : {}) },
      },
    },
    {
      resolve: "@medusajs/medusa/locking",
      options: {
        providers: [
          { resolve: "@medusajs/medusa/locking-redis", id: "locking-redis", is_default: true, options: { redisUrl, ...(prefix ? { namespace: `${prefix}medusa_lock:` } : {}) } },
        ],
      },
    },
  ]
}

function workerModeFromEnv(): "shared" | "worker" | "server" {
  const mode = process.env.WORKER_MODE || process.env.MEDUSA_WORKER_MODE || "shared"
  if (mode !== "shared" && mode !== "worker" && mode !== "server") {
    throw new Error(`WORKER_MODE must be shared, worker or server (got "${mode}")`)
  }
  return mode
}

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: databaseUrlFromEnv(),
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    workerMode: workerModeFromEnv(),
    http: {
      storeCors: process.env.STORE_CORS || localUrls,
      adminCors: process.env.ADMIN_CORS || localUrls,
      authCors: process.env.AUTH_CORS || localUrls,
      jwtSecret: secret("JWT_SECRET", "demo-only-jwt-secret"),
      cookieSecret: secret("COOKIE_SECRET", "demo-only-cookie-secret"),
    },
  },
  admin: {
    disable: process.env.MEDUSA_DISABLE_ADMIN === "true",
  },
  // The plugin's own module and payment providers, loaded from ./src. MEDUSA_ORDER_PAYMENTS_DISABLED=true
  // leaves them out: the same store without the plugin, which `npm run bench` compares against.
  modules: [
    ...(process.env.MEDUSA_ORDER_PAYMENTS_DISABLED === "true"
      ? []
      : [
          // the plugin's options; in a shop they go on the plugin entry (see the README)
          { resolve: "./src/modules/payment-ledger", options: lifecycleOptionsFromEnv() },
          { resolve: "@medusajs/medusa/payment", options: { providers: paymentProviders() } },
        ]),
    ...productionRuntimeModules(process.env.REDIS_URL),
  ],
})
