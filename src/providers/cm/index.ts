import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { CmProvider } from "./service"

export { CmProvider, cmOptionsSchema, CM_BASE_URLS, type CmProviderOptions } from "./service"

export default ModuleProvider(Modules.PAYMENT, { services: [CmProvider] })
