import { createTokenCache } from "../token-cache"

describe("createTokenCache", () => {
  it("fetches once for concurrent callers and reuses the token until the refresh margin", async () => {
    let clock = 0
    let issued = 0
    const cache = createTokenCache(
      async () => {
        issued++
        await new Promise((r) => setTimeout(r, 5))
        return { token: `t${issued}`, expiresInSeconds: 3599 }
      },
      { refreshMarginSeconds: 60, now: () => clock }
    )

    const tokens = await Promise.all(Array.from({ length: 20 }, () => cache.get()))
    expect(new Set(tokens)).toEqual(new Set(["t1"]))
    expect(issued).toBe(1)

    clock = (3599 - 61) * 1000
    expect(await cache.get()).toBe("t1")
    clock = (3599 - 60) * 1000
    expect(await cache.get()).toBe("t2")
    expect(issued).toBe(2)
  })

  it("fetches anew after invalidate, and after a failed fetch", async () => {
    let issued = 0
    let fail = true
    const cache = createTokenCache(
      async () => {
        issued++
        if (fail) {
          throw new Error("refused")
        }
        return { token: `t${issued}`, expiresInSeconds: 100 }
      },
      { refreshMarginSeconds: 10 }
    )
    await expect(cache.get()).rejects.toThrow("refused")
    fail = false
    expect(await cache.get()).toBe("t2")
    cache.invalidate()
    expect(await cache.get()).toBe("t3")
  })

  it("never keeps a short-lived token past half its life", async () => {
    let clock = 0
    let issued = 0
    const cache = createTokenCache(async () => ({ token: `t${++issued}`, expiresInSeconds: 30 }), {
      refreshMarginSeconds: 60,
      now: () => clock,
    })
    await cache.get()
    clock = 14_999
    expect(await cache.get()).toBe("t1")
    clock = 15_000
    expect(await cache.get()).toBe("t2")
  })
})
