#!/usr/bin/env node
/**
 * `npx medusa-order-payments-sandbox` (the package's bin) and `npm run sandbox` (this repository):
 * the PSP sandbox as a process a store can be pointed at. Prints, on start, the provider options
 * a store's medusa-config.ts needs to talk to it.
 */
import { parseArgs } from "node:util"
import { cmOptionsSchema } from "./psps/cm/schemas"
import { startSandbox } from "./server"
import { formatStoreProviderConfigs } from "./store-config"

const USAGE = `Usage: medusa-order-payments-sandbox [options]

A local, stateful simulator of Resurs Bank, Nemuru, Digital River and CM.com Payments
(hosted payment pages, callbacks, fault injection) to point a Medusa store at while developing.

Options:
  -p, --port <port>         port to listen on (default: SANDBOX_PORT or 4010; 0 picks a free one)
      --host <host>         address to listen on (default: SANDBOX_HOST or 127.0.0.1)
      --public-url <url>    the URL the store and shoppers reach the sandbox at, when it differs
                            (default: SANDBOX_PUBLIC_URL or http://<host>:<port>)
      --cm-update-url <url> where CM.com pings go: the store's <backendUrl>/hooks/psp/cm_cm
                            (also settable later: PUT /_sandbox/cm/merchants/sandbox-cm-merchant-key)
  -h, --help                this help

Endpoints, the control API (/_sandbox/) and the protocol details: the package's sandbox/README.md.
`

type CliOptions = { port: number; host?: string; publicUrl?: string; cmUpdateUrl?: string }

function parseCli(argv: string[]): CliOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", short: "p" },
      host: { type: "string" },
      "public-url": { type: "string" },
      "cm-update-url": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  })
  if (values.help) {
    return "help"
  }
  const portText = values.port ?? process.env.SANDBOX_PORT ?? "4010"
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65_535) {
    throw new UsageError(`--port must be a number from 0 to 65535, not "${portText}"`)
  }
  return {
    port,
    host: values.host ?? process.env.SANDBOX_HOST,
    publicUrl: values["public-url"] ?? process.env.SANDBOX_PUBLIC_URL,
    cmUpdateUrl: values["cm-update-url"],
  }
}

class UsageError extends Error {}

async function main(): Promise<void> {
  let options: CliOptions | "help"
  try {
    options = parseCli(process.argv.slice(2))
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
    process.exit(2)
  }
  if (options === "help") {
    console.log(USAGE)
    return
  }
  const cm = options.cmUpdateUrl
    ? { merchants: cmOptionsSchema.parse({}).merchants.map((merchant) => ({ ...merchant, updateUrl: options.cmUpdateUrl })) }
    : undefined
  const sandbox = await startSandbox({ port: options.port, host: options.host, publicUrl: options.publicUrl, cm })
  const publicUrl = options.publicUrl?.replace(/\/+$/, "") ?? sandbox.url
  console.log(
    [
      `PSP sandbox listening on ${sandbox.url}${publicUrl !== sandbox.url ? ` (reached at ${publicUrl})` : ""}`,
      `  control API   ${publicUrl}/_sandbox/   (faults, callbacks, requests, orders, reset)`,
      "",
      "Point your store at it: these providers in the Payment module of your medusa-config.ts",
      "(environment \"sandbox\" allows the plain-http local URLs; the credentials are the sandbox's):",
      "",
      formatStoreProviderConfigs(publicUrl),
      "",
      "Ctrl+C stops the sandbox (its state lives in memory).",
    ].join("\n")
  )
  const stop = () => void sandbox.close().then(() => process.exit(0))
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
