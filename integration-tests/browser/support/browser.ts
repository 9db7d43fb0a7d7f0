/**
 * Chromium for the browser level: Debian's package driven by playwright-core (no browser download).
 * `browserTest` gives each test a fresh page and, when it fails, keeps a screenshot and the page's
 * HTML under .data/browser-artifacts/<test name>.png|.html and prints where.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"
import { chromium, type Browser, type Locator, type Page } from "playwright-core"
import { ARTIFACTS_DIR } from "./harness"

export const chromiumPath = (): string => process.env.CHROMIUM_PATH || "/usr/bin/chromium"

let browser: Browser | undefined

/** Launches one Chromium for the spec file (closed after it). */
export function useBrowser(): void {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true })
  })
  afterAll(async () => {
    await browser?.close()
    browser = undefined
  })
}

function artifactName(testName: string): string {
  return testName.replace(/[^a-zA-Z0-9._-]+/g, "-").replace(/^-|-$/g, "").slice(0, 150)
}

export async function saveArtifacts(page: Page, testName: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  const file = path.join(ARTIFACTS_DIR, artifactName(testName))
  await page.screenshot({ path: `${file}.png`, fullPage: true }).catch(() => undefined)
  writeFileSync(`${file}.html`, await page.content().catch((error: Error) => `<!-- no HTML: ${error.message} -->`))
  return `${file}.png`
}

/** A test with a fresh browser page; on failure its screenshot and HTML are kept (see above). */
export function browserTest(name: string, body: (page: Page) => Promise<void>, timeoutMs = 240_000): void {
  it(
    name,
    async () => {
      if (!browser) {
        throw new Error("browserTest: call useBrowser() in the spec file")
      }
      const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
      const page = await context.newPage()
      page.setDefaultTimeout(30_000)
      // the first dashboard page makes vite prepare its modules: slow once
      page.setDefaultNavigationTimeout(120_000)
      try {
        await body(page)
      } catch (error) {
        const screenshot = await saveArtifacts(page, expect.getState().currentTestName ?? name)
        console.error(`Browser test failed: screenshot ${screenshot} (page HTML beside it)`)
        throw error
      } finally {
        await context.close()
      }
    },
    timeoutMs
  )
}

/** Waits until the locator's text matches; fails with the text last seen. */
export async function expectText(locator: Locator, expected: string | RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let seen = ""
  while (Date.now() < deadline) {
    seen = (await locator.innerText({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => seen)).trim()
    if (typeof expected === "string" ? seen === expected : expected.test(seen)) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`Expected ${locator} to read ${expected}, last read: ${JSON.stringify(seen)}`)
}
