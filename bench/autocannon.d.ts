// autocannon ships no types; the bench uses this much of it
declare module "autocannon" {
  type Result = {
    requests: { average: number; total: number }
    latency: { p99: number; average: number }
    "2xx": number
    non2xx: number
    errors: number
    timeouts: number
  }
  type Options = {
    url: string
    method?: string
    connections?: number
    duration?: number
    headers?: Record<string, string>
    body?: string
    requests?: { setupRequest?: (request: any) => any }[]
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
