import { startCallbackReceiver, startSandbox, type CallbackReceiver, type Sandbox, type SandboxOptions } from "../src"

export type Harness = { sandbox: Sandbox; receiver: CallbackReceiver }

/** A sandbox with fast callback retries and a merchant endpoint that records callbacks. */
export async function startHarness(options: SandboxOptions = {}): Promise<Harness> {
  const sandbox = await startSandbox({ port: 0, callbackRetry: { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 4, timeoutMs: 1000 }, ...options })
  const receiver = await startCallbackReceiver()
  return { sandbox, receiver }
}

export async function stopHarness(harness: Harness | undefined): Promise<void> {
  await harness?.receiver.close()
  await harness?.sandbox.close()
}

export type Answer = { status: number; headers: Headers; body: any; text: string }

export async function call(url: string, init: { method?: string; headers?: Record<string, string>; json?: unknown; form?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers }
  let body: string | undefined
  if (init.json !== undefined) {
    headers["content-type"] = "application/json"
    body = JSON.stringify(init.json)
  } else if (init.form) {
    headers["content-type"] = "application/x-www-form-urlencoded"
    body = new URLSearchParams(init.form).toString()
  }
  const response = await fetch(url, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body, redirect: "manual" })
  const text = await response.text()
  let parsed: unknown = undefined
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  return { status: response.status, headers: response.headers, body: parsed, text }
}

/** The `data-testid`s of the buttons on a hosted page. */
export function buttonTestIds(page: string): string[] {
  return [...page.matchAll(/<button[^>]*data-testid="([^"]+)"/g)].map((match) => match[1])
}

/** What the hosted page tells the shopper (`data-outcome`), and the PSP's raw status shown only as a technical detail. */
export function shopperView(page: string): { outcome?: string; message?: string; technicalStatus?: string } {
  const outcome = /<p data-testid="outcome" data-outcome="([^"]+)"><strong>([^<]*)<\/strong>/.exec(page)
  const status = /<small>[^<]*<code data-testid="status">([^<]*)<\/code><\/small>/.exec(page)
  return { outcome: outcome?.[1], message: outcome?.[2], technicalStatus: status?.[1] }
}

export function formAction(page: string): string {
  const match = /<form method="post" action="([^"]+)"/.exec(page)
  if (!match) {
    throw new Error("the page has no form")
  }
  return match[1]
}
