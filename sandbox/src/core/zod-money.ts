import { z } from "zod"
import { parseDecimal } from "./money"

/**
 * A JSON number read as an exact decimal with at most `scale` decimals, into bigint units of
 * 10^-scale. Strings are refused unless `acceptStrings`: the PSPs simulated here send numbers.
 */
export function decimalField(scale: number, { acceptStrings = false, min }: { acceptStrings?: boolean; min?: bigint } = {}) {
  const input = acceptStrings ? z.union([z.number(), z.string()]) : z.number()
  return input.transform((value, context) => {
    const parsed = parseDecimal(value, scale)
    if (parsed === undefined) {
      context.addIssue({ code: "custom", message: `must be a decimal number with at most ${scale} decimals` })
      return z.NEVER
    }
    if (min !== undefined && parsed < min) {
      context.addIssue({ code: "custom", message: `must not be less than ${min === 0n ? "0" : String(min)}` })
      return z.NEVER
    }
    return parsed
  })
}

/** zod issues as `{ "a.b[0].c": "message" }`, the shape both Resurs and Nemuru report per field. */
export function issuesByPath(error: z.ZodError, style: "dotted" | "pointer"): Record<string, string> {
  const result: Record<string, string> = {}
  for (const issue of error.issues) {
    const key =
      style === "pointer"
        ? `/${issue.path.join("/")}`
        : issue.path.reduce<string>((path, part) => (typeof part === "number" ? `${path}[${part}]` : path ? `${path}.${String(part)}` : String(part)), "")
    result[key || (style === "pointer" ? "/" : "body")] ??= issue.message
  }
  return result
}
