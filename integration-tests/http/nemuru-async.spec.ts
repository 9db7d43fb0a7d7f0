/**
 * Nemuru's order lifecycle in the asynchronous mode (provider option `transactional: false`).
 * The tests themselves are in support/nemuru-lifecycle.ts, shared by both modes.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { nemuruLifecycleTests } from "./support/nemuru-lifecycle"
import { usePspSandbox } from "./support/psp-sandbox"

jest.setTimeout(180 * 1000)

const psp = usePspSandbox({ env: { NEMURU_TRANSACTIONAL: "false" } })

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    nemuruLifecycleTests("asynchronous", { api, getContainer, psp })
  },
})
