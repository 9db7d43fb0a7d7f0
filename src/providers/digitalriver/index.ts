import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { DigitalRiverProvider } from "./service"

export { DigitalRiverProvider, digitalRiverOptionsSchema, type DigitalRiverProviderOptions } from "./service"

export default ModuleProvider(Modules.PAYMENT, { services: [DigitalRiverProvider] })
