/**
 * Nemuru's order lifecycle in the transactional mode (provider option `transactional: true`).
 * The tests themselves are in support/nemuru-lifecycle.ts, shared by both modes.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { nemuruLifecycleTests } from "./support/nemuru-lifecycle"
import { usePspSandbox } from "./support/psp-sandbox"

jest.setTimeout(180 * 1000)

const psp = usePspSandbox({})

medusaIntegrationTestRunner({
  inApp: true,
  env: {},
  testSuite: ({ api, getContainer }) => {
    nemuruLifecycleTests("transactional", { api, getContainer, psp })
  },
})
