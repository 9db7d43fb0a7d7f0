/**
 * `tsx scripts/run-if-redis.ts <command…>`: runs the command when Redis answers PING at the
 * runtime lane's address (RUNTIME_REDIS_URL, default redis://127.0.0.1:6379/3), otherwise prints
 * why it is skipped and succeeds. `npm test` runs the production-runtime lane through it.
 */
import { spawnSync } from "node:child_process"
import { connect } from "node:net"

const url = new URL(process.env.RUNTIME_REDIS_URL || "redis://127.0.0.1:6379/3")
const host = url.hostname || "127.0.0.1"
const port = Number(url.port || 6379)

function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (answer: boolean) => {
      socket.destroy()
      resolve(answer)
    }
    socket.setTimeout(2000, () => done(false))
    socket.once("error", () => done(false))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.once("data", (data) => done(data.toString().startsWith("+PONG") || data.toString().startsWith("-NOAUTH")))
  })
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2)
  if (!command) {
    console.error("usage: tsx scripts/run-if-redis.ts <command> [args…]")
    process.exit(2)
  }
  if (!(await redisAnswers())) {
    console.log(`skipped: no Redis at ${host}:${port} (the production-runtime lane needs one; set RUNTIME_REDIS_URL or start redis-server)`)
    return
  }
  const result = spawnSync(command, args, { stdio: "inherit" })
  process.exit(result.status ?? 1)
}

void main()
