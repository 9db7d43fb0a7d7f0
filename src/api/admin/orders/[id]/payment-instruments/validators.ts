import { z } from "zod"

/** Capture or refund chosen order lines: `items` are order item ids and quantities. */
export const AdminMoveOrderLines = z
  .object({
    items: z
      .array(
        z.object({
          id: z.string().min(1, { error: "the order item id is required" }),
          quantity: z.number().int().positive({ error: "must be a positive whole number of units" }),
        })
      )
      .min(1, { error: "name at least one item" }),
    /** capture only: false leaves shipping out; by default the capture policy decides */
    include_shipping: z.boolean().optional(),
  })
  .strict()

export type AdminMoveOrderLinesType = z.infer<typeof AdminMoveOrderLines>
