/** The admin's side: the dashboard in the browser, and the admin API for what a test sets up or checks. */
import type { Page } from "playwright-core"
import { harness } from "./harness"

export type AdminApi = {
  request<T = any>(method: "GET" | "POST", path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; data: T }>
  orderIdOf(displayId: number): Promise<string>
}

export async function adminApi(): Promise<AdminApi> {
  const { backendUrl, admin } = harness()
  const login = await fetch(`${backendUrl}/auth/user/emailpass`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(admin),
  })
  const { token } = (await login.json()) as { token?: string }
  if (!token) {
    throw new Error(`Admin login failed: ${login.status}`)
  }
  const request = async <T = any>(method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${backendUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: response.status, data: (await response.json()) as T }
  }
  return {
    request,
    async orderIdOf(displayId) {
      const { data } = await request<{ orders: { id: string; display_id: number }[] }>("GET", `/admin/orders?fields=id,display_id&order=-created_at&limit=50`)
      const order = data.orders.find((candidate) => candidate.display_id === displayId)
      if (!order) {
        throw new Error(`No order #${displayId} among the latest orders`)
      }
      return order.id
    },
  }
}

/** Logs in on the dashboard's login page, as the harness's admin. */
export async function loginAdmin(page: Page): Promise<void> {
  const { backendUrl, admin } = harness()
  await page.goto(`${backendUrl}/app/login`)
  await page.getByPlaceholder("Email").fill(admin.email)
  await page.getByPlaceholder("Password").fill(admin.password)
  await page.getByRole("button", { name: "Continue with Email" }).click()
  await page.waitForURL(/\/app\/orders/, { timeout: 120_000 })
}

export function adminUrl(path: string): string {
  return `${harness().backendUrl}/app${path}`
}
