import { cm } from "./cm"
import { digitalRiver } from "./digitalriver"
import { nemuru } from "./nemuru"
import { resurs } from "./resurs"

/** Every simulated PSP. Adding one: a folder under `psps/` that exports a `definePsp(...)`, and a line here. */
export const psps = [resurs, nemuru, digitalRiver, cm] as const
