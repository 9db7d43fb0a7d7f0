import { startSandbox } from "./server"

async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 4010)
  const sandbox = await startSandbox({ port, host: process.env.SANDBOX_HOST, publicUrl: process.env.SANDBOX_PUBLIC_URL })
  console.log(`PSP sandbox listening on ${sandbox.url}`)
  for (const [name, baseUrl] of Object.entries(sandbox.baseUrls)) {
    console.log(`  ${name.padEnd(14)}${baseUrl}`)
  }
  console.log(`  control API   ${sandbox.url}/_sandbox/   (see sandbox/README.md)`)
  const stop = () => void sandbox.close().then(() => process.exit(0))
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
