import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"

export type ReceivedCallback = {
  method: string
  path: string
  query: Record<string, string>
  headers: IncomingHttpHeaders
  rawBody: string
  /** Parsed JSON when it parses (typed loosely: tests read fields straight off it), else the raw text. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
  /** The status this receiver answered with. */
  answeredWith: number
}

type Answer = { status: number; headers?: Record<string, string> }

export type CallbackReceiver = {
  /** Base URL without a trailing slash; any path under it is accepted. */
  url: string
  received: ReceivedCallback[]
  /** Answer the next `times` callbacks with this status (then fall back to the default). */
  answerNext(answer: Answer, times?: number): void
  /** Resolves with the first (already or later) received callback that matches. */
  waitFor(predicate: (callback: ReceivedCallback) => boolean, timeoutMs?: number): Promise<ReceivedCallback>
  close(): Promise<void>
}

/** A merchant endpoint for tests: records every callback and answers 200 unless told otherwise. */
export async function startCallbackReceiver(defaultAnswer: Answer = { status: 200 }): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = []
  const queued: Answer[] = []
  const waiters: Array<{ predicate: (callback: ReceivedCallback) => boolean; resolve: (callback: ReceivedCallback) => void }> = []

  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8")
      const url = new URL(request.url ?? "/", "http://receiver")
      const answer = queued.shift() ?? defaultAnswer
      let body: unknown = rawBody
      try {
        body = rawBody ? (JSON.parse(rawBody) as unknown) : undefined
      } catch {
        // keep the raw text
      }
      const callback: ReceivedCallback = {
        method: request.method ?? "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: request.headers,
        rawBody,
        body,
        answeredWith: answer.status,
      }
      received.push(callback)
      response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers })
      response.end("{}")
      for (const waiter of [...waiters]) {
        if (waiter.predicate(callback)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(callback)
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answerNext(answer, times = 1) {
      for (let i = 0; i < times; i += 1) {
        queued.push(answer)
      }
    },
    waitFor(predicate, timeoutMs = 5000) {
      const existing = received.find(predicate)
      if (existing) {
        return Promise.resolve(existing)
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching callback within ${timeoutMs} ms (received ${received.length})`)), timeoutMs)
        waiters.push({
          predicate,
          resolve: (callback) => {
            clearTimeout(timer)
            resolve(callback)
          },
        })
      })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
