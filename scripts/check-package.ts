/**
 * `npm run test:package`: builds the plugin the way `npm publish` does (`npm run build`: the plugin,
 * then the PSP sandbox) and checks the tarball `npm pack` produces:
 * - it holds a file for every entry of package.json `exports`, including one per provider and
 *   module folder in src/;
 * - its sandbox bin runs from the extracted package with node and only the package's
 *   `dependencies` installed: `--help`, then a start on a free port, one PSP endpoint answered.
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

const ROOT = path.resolve(__dirname, "..")

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
}

function sourceFolders(kind: "providers" | "modules"): string[] {
  const dir = path.join(ROOT, "src", kind)
  if (!existsSync(dir)) {
    return []
  }
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, "index.ts")))
    .map((entry) => entry.name)
}

type PackageJson = {
  exports: Record<string, string | Record<string, string>>
  bin: Record<string, string>
  dependencies: Record<string, string>
}

async function main(): Promise<void> {
  const buildOutput = run(process.execPath, [require.resolve("@medusajs/cli/cli.js"), "plugin:build"])
  if (/completed with errors|error TS\d+/i.test(buildOutput)) {
    throw new Error(`medusa plugin:build reported errors:\n${buildOutput}`)
  }
  run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "sandbox/tsconfig.build.json"])

  const workDir = mkdtempSync(path.join(tmpdir(), "medusa-order-payments-pack-"))
  try {
    const [packed] = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", workDir])) as [
      { filename: string; files: { path: string }[] },
    ]
    checkExports(packed)
    await checkSandboxBin(path.join(workDir, packed.filename), workDir)
  } finally {
    rmSync(workDir, { recursive: true, force: true })
  }
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as PackageJson
}

function checkExports(packed: { filename: string; files: { path: string }[] }): void {
  const files = new Set(packed.files.map((file) => file.path))
  const pkg = readPackageJson(ROOT)

  const expected: string[] = []
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    for (const file of typeof target === "string" ? [target] : Object.values(target)) {
      if (subpath === "./*" || subpath.startsWith("./.medusa")) {
        continue // catch-all aliases of the entries checked below
      }
      if (subpath === "./providers/*" || subpath === "./modules/*") {
        const kind = subpath === "./providers/*" ? "providers" : "modules"
        expected.push(...sourceFolders(kind).map((name) => file.replace("*", name)))
      } else {
        expected.push(file)
      }
    }
  }

  expected.push(...Object.values(pkg.bin), "sandbox/README.md", "LICENSE")

  const unique = [...new Set(expected.map((file) => path.posix.normalize(file)))]
  const missing = unique.filter((file) => !files.has(file))
  if (missing.length) {
    throw new Error(`${packed.filename} lacks files that package.json exports, bin or docs point to:\n  ${missing.join("\n  ")}`)
  }
  console.log(`${packed.filename}: ${unique.length} export, bin and doc targets present in ${files.size} packed files.`)
}

/**
 * Extracts the tarball, gives it a node_modules with only its `dependencies` (linked from this
 * repository's), and runs the sandbox bin from it the way `npx medusa-order-payments-sandbox` does.
 */
async function checkSandboxBin(tarball: string, workDir: string): Promise<void> {
  execFileSync("tar", ["-xzf", tarball, "-C", workDir])
  const packageDir = path.join(workDir, "package")
  const pkg = readPackageJson(packageDir)
  const modules = path.join(packageDir, "node_modules")
  mkdirSync(modules)
  for (const name of Object.keys(pkg.dependencies)) {
    mkdirSync(path.dirname(path.join(modules, name)), { recursive: true })
    symlinkSync(path.dirname(require.resolve(`${name}/package.json`, { paths: [ROOT] })), path.join(modules, name), "dir")
  }
  const [[binName, binPath]] = Object.entries(pkg.bin)
  const bin = path.join(packageDir, binPath)
  if (!readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")) {
    throw new Error(`${binName} (${binPath}) does not start with #!/usr/bin/env node`)
  }

  const help = execFileSync(process.execPath, [bin, "--help"], { cwd: workDir, encoding: "utf8" })
  if (!help.includes(`Usage: ${binName}`) || !help.includes("--port")) {
    throw new Error(`${binName} --help printed no usage:\n${help}`)
  }

  const child = spawn(process.execPath, [bin, "--port", "0"], { cwd: workDir, stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  child.stdout.on("data", (chunk) => (output += chunk))
  child.stderr.on("data", (chunk) => (output += chunk))
  try {
    const url = await poll(async () => /listening on (http:\/\/[^\s]+)/.exec(output)?.[1], () => child.exitCode !== null, `${binName} to print its URL`)
    // answered: the Resurs token endpoint, with the credentials the sandbox printed for the store
    const token = await poll(
      async () => {
        const response = await fetch(`${url}/resurs/oauth2/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "client_credentials", scope: "merchant-api", client_id: "sandbox-resurs-client", client_secret: "sandbox-resurs-secret" }),
        }).catch(() => undefined)
        return response?.ok ? ((await response.json()) as { access_token?: string }).access_token : undefined
      },
      () => child.exitCode !== null,
      `${url}/resurs/oauth2/token to answer`
    )
    if (!token || !output.includes('clientSecret: "sandbox-resurs-secret"') || !output.includes(`${url}/nemuru/api/`)) {
      throw new Error(`${binName} started without printing the store's provider configuration:\n${output}`)
    }
    console.log(`${binName}: runs from the extracted package on ${url}, prints the store's provider options, answers Resurs's token endpoint.`)
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- ${binName} output ---\n${output}`)
  } finally {
    child.kill("SIGTERM")
  }
}

/** Polls `read` until it yields a value; gives up when `gaveUp` (the process died) or after 30 s. */
async function poll<T>(read: () => Promise<T | undefined>, gaveUp: () => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const value = await read()
    if (value !== undefined) {
      return value
    }
    if (gaveUp()) {
      throw new Error(`gave up waiting for ${what}: the process exited`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`gave up waiting for ${what} after 30 s`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
