import type { SandboxRequest, SandboxResponse } from "./http"

export type Handler = (request: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>

/**
 * One endpoint. `pattern` is a full path with `:name` segments (`/resurs/v2/payments/:paymentId`);
 * `name` identifies the endpoint for fault rules and the request log (`capture`, `create-order`).
 */
export type Route = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  pattern: string
  name: string
  handler: Handler
}

export type RouteMatch<R extends Route = Route> = { route: R; params: Record<string, string> }

function segments(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0)
}

/** Trailing slashes are significant to some PSPs (Nemuru's `/order/`) but we accept both forms. */
export function matchRoute<R extends Route>(routes: R[], method: string, path: string): RouteMatch<R> | "method-not-allowed" | undefined {
  const actual = segments(path)
  let pathMatched = false
  for (const route of routes) {
    const expected = segments(route.pattern)
    if (expected.length !== actual.length) {
      continue
    }
    const params: Record<string, string> = {}
    const matches = expected.every((segment, index) => {
      if (segment.startsWith(":")) {
        params[segment.slice(1)] = decodeURIComponent(actual[index])
        return true
      }
      return segment === actual[index]
    })
    if (!matches) {
      continue
    }
    pathMatched = true
    if (route.method === method) {
      return { route, params }
    }
  }
  return pathMatched ? "method-not-allowed" : undefined
}

/** `*` matches one path segment, `**` any number of them; used by fault rules. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .split("/")
    .map((segment) => (segment === "**" ? ".*" : segment.split("*").map(escapeRegExp).join("[^/]*")))
    .join("/")
  return new RegExp(`^${escaped}/?$`)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
}
