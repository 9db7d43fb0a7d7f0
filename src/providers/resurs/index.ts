import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { ResursProvider } from "./service"

export { ResursProvider, resursOptionsSchema, type ResursProviderOptions } from "./service"

export default ModuleProvider(Modules.PAYMENT, { services: [ResursProvider] })
