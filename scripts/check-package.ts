/**
 * `npm run test:package`: builds the plugin the way `npm publish` does and checks that the tarball
 * `npm pack` would produce holds a file for every entry of package.json `exports`, including one
 * per provider and module folder in src/.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
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

function main(): void {
  const buildOutput = run(process.execPath, [require.resolve("@medusajs/cli/cli.js"), "plugin:build"])
  if (/completed with errors|error TS\d+/i.test(buildOutput)) {
    throw new Error(`medusa plugin:build reported errors:\n${buildOutput}`)
  }

  const [packed] = JSON.parse(run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"])) as [
    { filename: string; files: { path: string }[] },
  ]
  const files = new Set(packed.files.map((file) => file.path))
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    exports: Record<string, string | Record<string, string>>
  }

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

  const unique = [...new Set(expected.map((file) => path.posix.normalize(file)))]
  const missing = unique.filter((file) => !files.has(file))
  if (missing.length) {
    throw new Error(`${packed.filename} lacks files that package.json exports point to:\n  ${missing.join("\n  ")}`)
  }
  console.log(`${packed.filename}: ${unique.length} export targets present in ${files.size} packed files.`)
}

main()
