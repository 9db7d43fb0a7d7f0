/**
 * The crash points kill the process only in a test process that names them; everywhere else
 * (production, development, a test that names another point) they do nothing.
 */
import { spawnSync } from "node:child_process"
import path from "node:path"

const MODULE = path.resolve(__dirname, "../crash-points.ts")

/** `killed`: by SIGKILL (tsx runs the code in a child and exits 128 + 9 when it is killed). */
function runCrashPoint(point: string, env: Record<string, string>, when = true): { killed: boolean; stdout: string } {
  const code = `const { crashPoint } = require(${JSON.stringify(MODULE)}); crashPoint(${JSON.stringify(point)}, ${when}); console.log("survived")`
  const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), "-e", code], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 60_000,
  })
  return { killed: result.signal === "SIGKILL" || result.status === 137, stdout: result.stdout }
}

describe("crashPoint", () => {
  jest.setTimeout(120_000)

  it("kills a test process with SIGKILL at the point its environment names", () => {
    expect(runCrashPoint("before-psp-call", { NODE_ENV: "test", MEDUSA_ORDER_PAYMENTS_CRASH_AT: "before-psp-call" })).toEqual({ killed: true, stdout: "" })
  })

  it("does nothing in production or development, even with the variable set", () => {
    for (const NODE_ENV of ["production", "development", ""]) {
      const result = runCrashPoint("before-psp-call", { NODE_ENV, MEDUSA_ORDER_PAYMENTS_CRASH_AT: "before-psp-call" })
      expect({ NODE_ENV, killed: result.killed, out: result.stdout.trim() }).toEqual({ NODE_ENV, killed: false, out: "survived" })
    }
  })

  it("does nothing at another point, without the variable, or when the call site's condition is false", () => {
    expect(runCrashPoint("psp-answered", { NODE_ENV: "test", MEDUSA_ORDER_PAYMENTS_CRASH_AT: "before-psp-call" }).stdout.trim()).toBe("survived")
    expect(runCrashPoint("psp-answered", { NODE_ENV: "test" }).stdout.trim()).toBe("survived")
    expect(runCrashPoint("callback-sync", { NODE_ENV: "test", MEDUSA_ORDER_PAYMENTS_CRASH_AT: "callback-sync" }, false).stdout.trim()).toBe("survived")
  })
})
