/**
 * `npm run test:model -- --runs 500 [--max-commands 8] [--seed 42]`: the model-based lifecycle
 * test (integration-tests/model) with as many sequences as asked, progress on stderr, and the
 * time it took at the end. The small CI run is `npm run test:integration:model`.
 */
import { spawnSync } from "node:child_process"
import path from "node:path"

const ROOT = path.resolve(__dirname, "..")

function option(name: string): string | undefined {
  const args = process.argv.slice(2)
  const index = args.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`))
  if (index === -1) {
    return undefined
  }
  const arg = args[index]
  const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[index + 1]
  if (!value || !/^\d+$/.test(value)) {
    throw new Error(`--${name} needs a whole number (got "${value ?? ""}")`)
  }
  return value
}

const runs = option("runs") ?? "500"
const maxCommands = option("max-commands")
const seed = option("seed")

const started = Date.now()
const result = spawnSync(process.execPath, [require.resolve("jest/bin/jest"), "--runInBand", "--forceExit", "integration-tests/model"], {
  cwd: ROOT,
  stdio: "inherit",
  env: {
    ...process.env,
    TEST_TYPE: "integration:model",
    NODE_OPTIONS: [process.env.NODE_OPTIONS, "--experimental-vm-modules"].filter(Boolean).join(" "),
    MODEL_RUNS: runs,
    MODEL_PROGRESS: "1",
    ...(maxCommands ? { MODEL_MAX_COMMANDS: maxCommands } : {}),
    ...(seed ? { MODEL_SEED: seed } : {}),
  },
})
const minutes = ((Date.now() - started) / 60_000).toFixed(1)
process.stderr.write(`test:model: ${runs} sequences ${result.status === 0 ? "passed" : "FAILED"} in ${minutes} min\n`)
process.exit(result.status ?? 1)
