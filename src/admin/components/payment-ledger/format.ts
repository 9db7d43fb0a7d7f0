/** Display helpers: amounts stay the server's decimal strings, never numbers. */
export const money = (amount: string, currency: string): string => `${amount} ${currency.toUpperCase()}`

export const when = (at: string | null | undefined): string => (at ? new Date(at).toLocaleString() : "—")

export const humanize = (value: string): string => value.replace(/_/g, " ")

/** `pp_resurs_resurs` → `resurs` */
export const providerName = (providerId: string): string => providerId.replace(/^pp_/, "").split("_")[0] ?? providerId
