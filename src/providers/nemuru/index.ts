import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { NemuruProvider } from "./service"

export { NemuruProvider, nemuruOptionsSchema, type NemuruProviderOptions } from "./service"

export default ModuleProvider(Modules.PAYMENT, { services: [NemuruProvider] })
