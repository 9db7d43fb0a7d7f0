import Medusa from "@medusajs/js-sdk"

// The dashboard's build defines these from the shop's admin config (backendUrl, authType,
// jwtTokenStorageKey). The plugin's own build leaves them undefined, so each is guarded.
declare const __BACKEND_URL__: string | undefined
declare const __AUTH_TYPE__: "session" | "jwt" | undefined
declare const __JWT_TOKEN_STORAGE_KEY__: string | undefined

const backendUrl = typeof __BACKEND_URL__ === "string" && __BACKEND_URL__ ? __BACKEND_URL__ : "/"
const authType = typeof __AUTH_TYPE__ === "string" && __AUTH_TYPE__ ? __AUTH_TYPE__ : "session"
const jwtTokenStorageKey = typeof __JWT_TOKEN_STORAGE_KEY__ === "string" && __JWT_TOKEN_STORAGE_KEY__ ? __JWT_TOKEN_STORAGE_KEY__ : undefined

/** Authenticates the way the dashboard itself does: its session cookie, or its stored JWT. */
export const sdk = new Medusa({
  baseUrl: backendUrl,
  auth: { type: authType, ...(jwtTokenStorageKey ? { jwtTokenStorageKey } : {}) },
})
