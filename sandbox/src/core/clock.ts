/** Sandbox time: real time plus an offset that `/_sandbox/clock/advance` moves (token expiry, payment TTL). */
export class Clock {
  private offsetMs = 0

  now(): Date {
    return new Date(Date.now() + this.offsetMs)
  }

  nowMs(): number {
    return Date.now() + this.offsetMs
  }

  advance(ms: number): void {
    this.offsetMs += ms
  }

  reset(): void {
    this.offsetMs = 0
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Timers a simulator starts (a lender confirming later); all cancelled by reset and close. */
export class Scheduler {
  private readonly timers = new Map<NodeJS.Timeout, () => void>()

  after(ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      task()
    }, ms)
    this.timers.set(timer, () => undefined)
  }

  /** Resolves after `ms`, or at once when the sandbox resets or closes. */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        resolve()
      }, ms)
      this.timers.set(timer, resolve)
    })
  }

  cancelAll(): void {
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer)
      resolve()
    }
    this.timers.clear()
  }
}
