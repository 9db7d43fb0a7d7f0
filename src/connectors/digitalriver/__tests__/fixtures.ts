/**
 * The Digital River connector against a started sandbox: its configuration, a checkout and the
 * shopper's decision through the sandbox's control API. Shared by the Digital River sandbox specs.
 */
import axios from "axios"
import type { Sandbox } from "../../../../sandbox/src"
import type { CreateCheckoutInput, CreatedCheckout, PspOrderLine } from "../../types"
import { DigitalRiverConnector, type DigitalRiverConnectorConfig } from ".."

export const DR_SECRET_KEY = "sk_test_sandbox_digitalriver"
export const DR_SIGNING_SECRET = "sandbox-digitalriver-signing-secret"

/** Fast retries, and a Retry-After of up to 2 s honoured in-process. */
export const TEST_RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 2_000 }

export function digitalRiverConnector(sandbox: Sandbox, overrides: Partial<DigitalRiverConnectorConfig> = {}): DigitalRiverConnector {
  return new DigitalRiverConnector({
    baseUrl: sandbox.baseUrls.digitalriver,
    secretKey: DR_SECRET_KEY,
    signingSecrets: [DR_SIGNING_SECRET],
    signatureToleranceSeconds: 300,
    registerWebhook: true,
    timeoutMs: 5_000,
    retry: TEST_RETRY,
    ...overrides,
  })
}

/** Lines using every minor digit of the currency: 2 shirts (the last unit takes the odd cent), a pen, shipping. */
export function drLines(currency: string): PspOrderLine[] {
  const zeroDecimal = currency.toLowerCase() === "jpy"
  return [
    { reference: "SHIRT", description: "Linen Shirt", kind: "product", quantity: 2, totalAmount: zeroDecimal ? 12_981n : 129_803n, vatRate: "19" },
    { reference: "PEN", description: "Fountain pen", kind: "product", quantity: 3, totalAmount: zeroDecimal ? 1_000n : 4_501n, vatRate: "19" },
    { reference: "shipping", description: "Standard shipping", kind: "shipping", quantity: 1, totalAmount: zeroDecimal ? 599n : 5_990n, vatRate: "19" },
  ]
}

export function drCheckoutInput(input: { currency: string; key: string; callbackUrl: string; lines?: PspOrderLine[] }): CreateCheckoutInput {
  const lines = input.lines ?? drLines(input.currency)
  return {
    key: input.key,
    orderReference: input.key.replace(/^payses_/, "cart_"),
    currency: input.currency,
    amount: lines.reduce((sum, line) => sum + line.totalAmount, 0n),
    lines,
    customer: { email: "shopper@example.com" },
    returnUrls: { success: "http://shop.test/ok", fail: "http://shop.test/fail" },
    callbackUrl: input.callbackUrl,
  }
}

export function checkoutSessionId(created: CreatedCheckout): string {
  const id = created.redirectUrl.split("/").pop()
  if (!id) throw new Error(`no checkout session id in ${created.redirectUrl}`)
  return id
}

/** The shopper's choice on the Drop-in page; returns the order id Digital River made. */
export async function decide(sandbox: Sandbox, created: CreatedCheckout, decision: "approve" | "hold" | "decline" | "abandon" = "approve"): Promise<string | null> {
  const response = await axios.post(`${sandbox.url}/_sandbox/digitalriver/checkout-sessions/${checkoutSessionId(created)}/decision`, { decision }, { validateStatus: () => true })
  if (response.status !== 200) {
    throw new Error(`decision ${decision}: HTTP ${response.status} ${JSON.stringify(response.data)}`)
  }
  return response.data.orderId
}
