import { call, type Answer } from "./helpers"

export const RESURS_CLIENT = { client_id: "sandbox-resurs-client", client_secret: "sandbox-resurs-secret" }
export const RESURS_STORE = "4c4f2b0c-5a0e-4b1e-9d55-0f7d4bbf2c11"
export const RESURS_INVOICE = "d2a5a3a6-8f5e-4f0b-9b6c-0f3a1d7c0001"

/** A minimal MAPI client for the tests: token, then JSON calls with the bearer. */
export class ResursTestClient {
  private token?: string

  constructor(readonly baseUrl: string) {}

  async login(): Promise<void> {
    const answer = await call(`${this.baseUrl}oauth2/token`, { form: { ...RESURS_CLIENT, grant_type: "client_credentials", scope: "merchant-api" } })
    if (answer.status !== 200) {
      throw new Error(`token: ${answer.status} ${answer.text}`)
    }
    this.token = answer.body.access_token
  }

  async request(method: string, path: string, json?: unknown): Promise<Answer> {
    if (!this.token) {
      await this.login()
    }
    return call(`${this.baseUrl}${path}`, { method, json, headers: { authorization: `Bearer ${this.token}` } })
  }

  /** Two lines: 2 × 499.95 chairs and 250.00 shipping; total 1249.90. */
  createPayment(receiverUrl: string, overrides: { options?: Record<string, unknown>; orderLines?: unknown[] } = {}): Promise<Answer> {
    return this.request("POST", "v2/payments", {
      storeId: RESURS_STORE,
      paymentMethodId: RESURS_INVOICE,
      order: {
        orderReference: `order-${Math.random().toString(36).slice(2, 10)}`,
        orderLines: overrides.orderLines ?? [
          { description: "Chair", reference: "CHAIR-1", quantity: 2, quantityUnit: "st", vatRate: 25, totalAmountIncludingVat: 999.9, type: "PHYSICAL_GOODS" },
          { description: "Shipping", reference: "SHIP", quantity: 1, quantityUnit: "st", vatRate: 25, totalAmountIncludingVat: 250, type: "SHIPPING" },
        ],
      },
      customer: { customerType: "NATURAL", governmentId: "8305147715", email: "shopper@example.com" },
      options: {
        handleFrozenPayments: true,
        callbacks: { authorization: { url: `${receiverUrl}/resurs/authorization` }, management: { url: `${receiverUrl}/resurs/management` } },
        redirectionUrls: { customer: { successUrl: `${receiverUrl}/shop/success`, failUrl: `${receiverUrl}/shop/fail` } },
        ...overrides.options,
      },
    })
  }
}
