/**
 * A bearer token kept until shortly before it expires, fetched once however many requests ask
 * for it at the same time (OAuth2 client credentials for Resurs, login for Nemuru).
 */
export type IssuedToken = { token: string; expiresInSeconds: number }

export type TokenCache = {
  get(): Promise<string>
  /** drop the cached token (after a 401) so that the next get() fetches a new one */
  invalidate(): void
}

export function createTokenCache(
  fetchToken: () => Promise<IssuedToken>,
  options: { refreshMarginSeconds: number; now?: () => number }
): TokenCache {
  const now = options.now ?? Date.now
  let cached: { token: string; refreshAt: number } | undefined
  let inFlight: Promise<string> | undefined

  async function refresh(): Promise<string> {
    const issued = await fetchToken()
    // refresh at the margin before expiry, but never keep a token for less than half its life
    const marginMs = Math.min(options.refreshMarginSeconds * 1000, (issued.expiresInSeconds * 1000) / 2)
    cached = { token: issued.token, refreshAt: now() + issued.expiresInSeconds * 1000 - marginMs }
    return issued.token
  }

  return {
    get() {
      if (cached && now() < cached.refreshAt) {
        return Promise.resolve(cached.token)
      }
      inFlight ??= refresh().finally(() => {
        inFlight = undefined
      })
      return inFlight
    },
    invalidate() {
      cached = undefined
    },
  }
}
