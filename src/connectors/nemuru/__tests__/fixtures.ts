/**
 * The Nemuru connector against a started sandbox: its configuration, a checkout and the shopper's
 * approval through the sandbox's control API. Shared by the Nemuru sandbox specs.
 */
import axios from "axios"
import type { Sandbox } from "../../../../sandbox/src"
import type { CreateCheckoutInput } from "../../types"
import { NemuruConnector, type NemuruConnectorConfig } from ".."

export const NOTIFICATION_SECRET = "test-nemuru-notification-secret"

/** Fast retries, and a Retry-After of up to 2 s honoured in-process. */
export const TEST_RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 2_000 }

/** The lender confirms orders and operations quickly; approved orders are confirmed without the merchant. */
export const nemuruSandboxOptions = { autoConfirm: true, lenderConfirmationDelayMs: 50 }

export function nemuruConnector(sandbox: Sandbox, overrides: Partial<NemuruConnectorConfig> = {}): NemuruConnector {
  return new NemuruConnector({
    baseUrl: sandbox.baseUrls.nemuru,
    username: "sandbox@nemuru.test",
    password: "sandbox-nemuru-password",
    product: "instalments",
    transactional: true,
    autoConfirm: true,
    notificationSecret: NOTIFICATION_SECRET,
    timeoutMs: 5_000,
    tokenRefreshMarginSeconds: 60,
    retry: TEST_RETRY,
    ...overrides,
  })
}

/** A checkout whose amounts use every cent: 2 × 649.01 (the last unit 649.02), 59.90. */
export function nemuruCheckout({ key, callbackUrl }: { key: string; callbackUrl: string }): CreateCheckoutInput {
  return {
    key,
    orderReference: key.replace(/^payses_/, "cart_"),
    currency: "eur",
    amount: 135_793n,
    lines: [
      { reference: "SHIRT", description: "Linen Shirt", kind: "product", quantity: 2, totalAmount: 129_803n, vatRate: "21" },
      { reference: "shipping", description: "Standard shipping", kind: "shipping", quantity: 1, totalAmount: 5_990n, vatRate: "21" },
    ],
    returnUrls: { success: "http://shop.test/ok", fail: "http://shop.test/fail" },
    callbackUrl,
  }
}

async function control(sandbox: Sandbox, method: "GET" | "POST", path: string, body?: unknown) {
  const answer = await axios.request({ method, url: `${sandbox.url}${path}`, data: body, validateStatus: () => true })
  if (answer.status !== 200) {
    throw new Error(`sandbox ${method} ${path}: HTTP ${answer.status} ${JSON.stringify(answer.data)}`)
  }
  return answer.data as { status: string }
}

/** The shopper's decision on the hosted page, without a browser. */
export async function decide(sandbox: Sandbox, orderId: string, decision: "approve" | "decline" | "hold" | "abandon" = "approve") {
  await control(sandbox, "POST", `/_sandbox/nemuru/orders/${orderId}/decision`, { decision })
}

/** Approves, then waits until the lender confirmed the order (captures need `confirmed`). */
export async function approveAndConfirm(sandbox: Sandbox, orderId: string, timeoutMs = 10_000) {
  await decide(sandbox, orderId, "approve")
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const order = await control(sandbox, "GET", `/_sandbox/nemuru/orders/${orderId}`)
    if (order.status === "confirmed") {
      return
    }
    if (Date.now() > deadline) {
      throw new Error(`Nemuru order ${orderId} not confirmed within ${timeoutMs} ms (${order.status})`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** The lender's next answers (confirm or reject), through the sandbox's control API. */
export async function lender(sandbox: Sandbox, outcome: "confirm" | "reject", times = 1) {
  await control(sandbox, "POST", "/_sandbox/nemuru/lender", { outcome, times })
}
