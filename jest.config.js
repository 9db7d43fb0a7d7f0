// The test levels, one config: TEST_TYPE picks which files run (see package.json scripts).
const { loadEnv } = require("@medusajs/utils")
loadEnv("test", process.cwd())

const levels = {
  unit: {
    testMatch: ["<rootDir>/src/**/__tests__/**/*.unit.spec.ts", "<rootDir>/scripts/**/__tests__/**/*.unit.spec.ts"],
  },
  sandbox: {
    // the sandbox, and the connectors talking to it over HTTP (no database)
    testMatch: ["<rootDir>/sandbox/**/__tests__/**/*.spec.ts", "<rootDir>/src/connectors/**/__tests__/**/*.sandbox.spec.ts"],
  },
  "integration:modules": {
    testMatch: ["<rootDir>/src/modules/*/__tests__/**/*.spec.ts", "<rootDir>/integration-tests/modules/**/*.spec.ts"],
    globalSetup: "<rootDir>/integration-tests/database-setup.ts",
    globalTeardown: "<rootDir>/integration-tests/database-teardown.ts",
  },
  browser: {
    // Chromium (playwright-core) against one demo store booted for the whole level
    testMatch: ["<rootDir>/integration-tests/browser/**/*.spec.ts"],
    globalSetup: "<rootDir>/integration-tests/browser/global-setup.ts",
    globalTeardown: "<rootDir>/integration-tests/browser/global-teardown.ts",
    testTimeout: 240_000,
  },
  "integration:http": {
    testMatch: ["<rootDir>/integration-tests/http/**/*.spec.ts"],
    globalSetup: "<rootDir>/integration-tests/database-setup.ts",
    globalTeardown: "<rootDir>/integration-tests/database-teardown.ts",
  },
  "integration:runtime": {
    // the production runtime: real Medusa processes (server, worker, shared) on one database and Redis
    testMatch: ["<rootDir>/integration-tests/runtime/**/*.spec.ts"],
    globalSetup: "<rootDir>/integration-tests/runtime/support/global-setup.ts",
    globalTeardown: "<rootDir>/integration-tests/runtime/support/global-teardown.ts",
  },
  "integration:model": {
    // the model-based lifecycle test: MODEL_RUNS sequences (scripts/test-model.ts for long runs)
    testMatch: ["<rootDir>/integration-tests/model/**/*.spec.ts"],
    globalSetup: "<rootDir>/integration-tests/database-setup.ts",
    globalTeardown: "<rootDir>/integration-tests/database-teardown.ts",
  },
}

const level = levels[process.env.TEST_TYPE]
if (!level) {
  throw new Error(`TEST_TYPE must be one of ${Object.keys(levels).join(", ")} (got "${process.env.TEST_TYPE}")`)
}

module.exports = {
  transform: {
    "^.+\\.[jt]sx?$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript", decorators: true }, target: "es2021" } },
    ],
  },
  testEnvironment: "node",
  moduleFileExtensions: ["js", "ts", "json"],
  modulePathIgnorePatterns: ["dist/", "<rootDir>/.medusa/", "<rootDir>/.data/"],
  setupFiles: ["<rootDir>/integration-tests/setup.js"],
  ...level,
}
