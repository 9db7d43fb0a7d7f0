import { call, type Answer } from "./helpers"

export const CM_MERCHANT = { key: "sandbox-cm-merchant-key", name: "sandbox-cm-merchant", password: "sandbox-cm-password" }

/** A minimal CM.com PSP API client for the tests: Basic auth, the merchant key in the base URL. */
export class CmTestClient {
  readonly baseUrl: string

  constructor(
    sandboxBaseUrl: string,
    private readonly credentials: { name: string; password: string } = CM_MERCHANT,
    merchantKey = CM_MERCHANT.key
  ) {
    this.baseUrl = sandboxBaseUrl.replace(":merchantKey", merchantKey)
  }

  request(method: string, path: string, json?: unknown): Promise<Answer> {
    const basic = Buffer.from(`${this.credentials.name}:${this.credentials.password}`).toString("base64")
    return call(`${this.baseUrl}${path}`, { method, json, headers: { authorization: `Basic ${basic}` } })
  }

  /** 1249.90 EUR as 124990 cents, with all four return URLs. */
  createOrder(receiverUrl: string, overrides: Record<string, unknown> = {}): Promise<Answer> {
    return this.request("POST", "orders", {
      order_reference: `order-${Math.random().toString(36).slice(2, 10)}`,
      description: "Order at the sandbox shop",
      amount: 124990,
      currency: "EUR",
      email: "shopper@example.com",
      language: "en",
      country: "NL",
      return_urls: {
        success: `${receiverUrl}/shop/success`,
        pending: `${receiverUrl}/shop/pending`,
        canceled: `${receiverUrl}/shop/canceled`,
        error: `${receiverUrl}/shop/error`,
      },
      ...overrides,
    })
  }
}
