import { parseRetryAfter, retryDelayMs, type RetryPolicy } from "../http"

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 }

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-03-01T12:00:00Z")

  it("reads delay-seconds", () => {
    expect(parseRetryAfter("3", now)).toBe(3)
    expect(parseRetryAfter(" 0 ", now)).toBe(0)
  })

  it("reads an HTTP-date as the seconds until then, rounded up; a past date is now", () => {
    expect(parseRetryAfter("Sun, 01 Mar 2026 12:00:05 GMT", now)).toBe(5)
    expect(parseRetryAfter("Sun, 01 Mar 2026 11:59:00 GMT", now)).toBe(0)
    expect(parseRetryAfter("Sun, 01 Mar 2026 12:00:01 GMT", now - 500)).toBe(2)
  })

  it("ignores what it cannot read", () => {
    for (const value of [undefined, "", "soon", "-1", "1.5", "2026-03-01T12:00:05Z", 5]) {
      expect(parseRetryAfter(value, now)).toBeUndefined()
    }
  })
})

describe("retryDelayMs", () => {
  it("waits what the PSP asked for when it fits the policy", () => {
    expect(retryDelayMs(policy, 1, 1)).toBe(1_000)
    expect(retryDelayMs(policy, 3, 0)).toBe(0)
  })

  it("gives up (undefined) rather than retry sooner than the PSP asked", () => {
    expect(retryDelayMs(policy, 1, 3)).toBeUndefined()
  })

  it("otherwise draws a full-jitter delay under an exponential ceiling capped by maxDelayMs", () => {
    for (let i = 0; i < 200; i++) {
      const first = retryDelayMs(policy, 1)!
      const third = retryDelayMs(policy, 3)!
      const tenth = retryDelayMs(policy, 10)!
      expect(first).toBeGreaterThanOrEqual(0)
      expect(first).toBeLessThan(100)
      expect(third).toBeLessThan(400)
      expect(tenth).toBeLessThan(2_000)
    }
  })
})
