import { createHmac, timingSafeEqual } from "node:crypto"
import Ajv, { type ValidateFunction } from "ajv"
import schemas from "./fixtures/digitalriver-openapi-schemas.json"
import { call, type Answer } from "./helpers"

export const DR_SECRET_KEY = "sk_test_sandbox_digitalriver"
export const DR_SIGNING_SECRET = "sandbox-digitalriver-signing-secret"

export const DR_EVENT_TYPES = [
  "checkout_session.order.created",
  "order.accepted",
  "order.review_opened",
  "order.blocked",
  "order.fulfilled",
  "order.complete",
  "order.cancelled",
  "order.refunded",
  "fulfillment.created",
  "order.charge.capture.complete",
  "order.charge.capture.failed",
  "order.charge.cancel.complete",
  "order.charge.refund.complete",
  "refund.pending",
  "refund.complete",
]

/** A minimal Digital River client for the tests: JSON calls with the secret key as bearer. */
export class DigitalRiverTestClient {
  constructor(readonly baseUrl: string, private readonly key = DR_SECRET_KEY) {}

  request(method: string, path: string, json?: unknown): Promise<Answer> {
    return call(`${this.baseUrl}${path}`, { method, json, headers: { authorization: `Bearer ${this.key}` } })
  }

  registerWebhook(address: string, types: string[] = DR_EVENT_TYPES): Promise<Answer> {
    return this.request("POST", "webhooks", { types, apiVersion: "default", address, transportType: "HTTP", enabled: true })
  }

  /** Two chairs at 499.95 and 250.00 shipping: 1249.90 USD. */
  createCheckoutSession(receiverUrl: string, overrides: Record<string, unknown> = {}): Promise<Answer> {
    return this.request("POST", "drop-in/checkout-sessions", {
      upstreamId: `order-${Math.random().toString(36).slice(2, 10)}`,
      currency: "USD",
      email: "shopper@example.com",
      items: [{ skuId: "sku-chair", productDetails: { name: "Chair" }, price: 499.95, quantity: 2 }],
      shippingChoice: { amount: 250, description: "Freight", serviceLevel: "SG" },
      redirects: { successUrl: `${receiverUrl}/shop/success`, cancelUrl: `${receiverUrl}/shop/cancel` },
      ...overrides,
    })
  }
}

/** The check a merchant runs on `DigitalRiver-Signature: t=<unix>, v0=<base64 HMAC-SHA256(secret, "<unix>.<rawBody>")>`. */
export function verifyDigitalRiverSignature(header: string, rawBody: string, secret: string): { valid: boolean; timestamp: number } {
  const parts = Object.fromEntries(header.split(",").map((part) => part.trim().split(/=(.*)/s).slice(0, 2) as [string, string]))
  const timestamp = Number(parts.t)
  const expected = createHmac("sha256", secret).update(`${parts.t}.${rawBody}`).digest()
  const given = Buffer.from(parts.v0 ?? "", "base64")
  return { valid: given.length === expected.length && timingSafeEqual(given, expected), timestamp }
}

const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true })
ajv.addSchema(schemas, "dr")

/** Validates a response body against a schema of Digital River's OpenAPI file (2021-12-13). */
export function schemaErrors(name: string, value: unknown): string[] {
  const validate = ajv.getSchema(`dr#/components/schemas/${name}`) as ValidateFunction | undefined
  if (!validate) {
    throw new Error(`no schema ${name}`)
  }
  return validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`)
}
