import { randomBytes } from "node:crypto"

/**
 * Group commit: concurrent calls are written together. The first call runs at once; calls that
 * arrive while a batch is being written wait and run together as the next batch, so a flood costs
 * one statement and one commit per batch instead of per call, and a lone call waits for no timer.
 * A batch that fails fails each of its callers (they answer "retry later"; nothing was written).
 */
export function groupCommit<I, O>(write: (inputs: I[]) => Promise<O[]>, maxBatch = 100): (input: I) => Promise<O> {
  type Waiting = { input: I; resolve: (output: O) => void; reject: (error: unknown) => void }
  const queue: Waiting[] = []
  let writing = false

  const drain = async (): Promise<void> => {
    writing = true
    while (queue.length) {
      const batch = queue.splice(0, maxBatch)
      try {
        const outputs = await write(batch.map((waiting) => waiting.input))
        batch.forEach((waiting, index) => waiting.resolve(outputs[index]))
      } catch (error) {
        batch.forEach((waiting) => waiting.reject(error))
      }
    }
    writing = false
  }

  return (input: I) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject })
      if (!writing) {
        void drain()
      }
    })
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

/**
 * `count` ids shaped like Medusa's own (`<prefix>_<ULID>`: 10 characters of time, 16 random), from
 * one read of the random source for the whole batch: Medusa's generateEntityId reads it once per
 * character, which a flood of callbacks felt.
 */
export function batchEntityIds(prefix: string, count: number): string[] {
  let time = ""
  for (let rest = Date.now(), index = 0; index < 10; index++, rest = Math.floor(rest / 32)) {
    time = CROCKFORD[rest % 32] + time
  }
  const random = randomBytes(count * 16)
  return Array.from({ length: count }, (_, n) => {
    let suffix = ""
    for (let index = n * 16; index < n * 16 + 16; index++) {
      // 256 is a multiple of 32: every character is equally likely
      suffix += CROCKFORD[random[index] & 31]
    }
    return `${prefix}_${time}${suffix}`
  })
}
