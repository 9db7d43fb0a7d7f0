/**
 * The CM.com connector against a started sandbox, and the shopper's choices on the menu through
 * the sandbox's control API. Shared by the CM sandbox specs.
 */
import axios from "axios"
import type { Sandbox } from "../../../../sandbox/src"
import { CmConnector, type CmConnectorConfig } from ".."

export const CM_MERCHANT = { key: "sandbox-cm-merchant-key", name: "sandbox-cm-merchant", password: "sandbox-cm-password" } as const

/** Fast retries, and a Retry-After of up to 2 s honoured in-process. */
export const TEST_RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 2_000 }

export function cmConnector(sandbox: Sandbox, overrides: Partial<CmConnectorConfig> = {}): CmConnector {
  return new CmConnector({
    baseUrl: `${sandbox.url}/cm/ps/api/public/v1/merchants/`,
    merchantName: CM_MERCHANT.name,
    merchantPassword: CM_MERCHANT.password,
    merchantKey: CM_MERCHANT.key,
    currencies: ["eur"],
    language: "en",
    defaultCountry: "NL",
    expiryMinutes: 60,
    capturedOnAuthorization: ["GIFTCARD", "IDEAL"],
    refundDescription: "Refund",
    timeoutMs: 2_000,
    retry: TEST_RETRY,
    ...overrides,
  })
}

async function control(sandbox: Sandbox, method: "POST" | "PUT", path: string, body: unknown): Promise<unknown> {
  const answer = await axios.request({ method, url: `${sandbox.url}${path}`, data: body, validateStatus: () => true })
  if (answer.status !== 200) {
    throw new Error(`sandbox ${method} ${path}: HTTP ${answer.status} ${JSON.stringify(answer.data)}`)
  }
  return answer.data
}

/** Where CM pings for the sandbox merchant (the Update URL of CM's back office). */
export const setUpdateUrl = (sandbox: Sandbox, updateUrl: string | null) =>
  control(sandbox, "PUT", `/_sandbox/cm/merchants/${CM_MERCHANT.key}`, { updateUrl })

/** The shopper's choice on the payment menu, without a browser. */
export const decideCm = (
  sandbox: Sandbox,
  orderKey: string,
  body: { decision: "approve" | "decline" | "hold" | "abandon"; method?: string; giftCardAmount?: number } = { decision: "approve" }
) => control(sandbox, "POST", `/_sandbox/cm/orders/${orderKey}/decision`, body)
