/**
 * The demo's storefront: static pages (no build step) that use the store API the way a real
 * storefront does. Served beside Medusa by `npm run demo` on STOREFRONT_PORT (default 8000).
 */
import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import path from "node:path"

/** One way to pay the storefront offers: a PSP's provider on the region (and currency) it takes. */
export type StorefrontPsp = { providerId: string; name: string; regionId: string; currency: string; country: string }

export type StorefrontConfig = { backendUrl: string; publishableKey: string; psps: StorefrontPsp[] }

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" }
const ROUTES: Record<string, string> = { "/": "index.html", "/checkout/return": "return.html", "/shop.js": "shop.js", "/style.css": "style.css" }

/** `config` is read on every request: the demo fills it in once the store is seeded. */
export function startStorefront(port: number, config: Partial<StorefrontConfig>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname
    if (pathname === "/config.js") {
      res.writeHead(200, { "content-type": "text/javascript", "cache-control": "no-store" })
      res.end(`window.DEMO_CONFIG = ${JSON.stringify(config)};`)
      return
    }
    const file = ROUTES[pathname]
    if (!file) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found")
      return
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] })
    res.end(readFileSync(path.join(__dirname, file)))
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      resolve({ url: `http://localhost:${port}`, close: () => new Promise((done) => server.close(() => done())) })
    })
  })
}
