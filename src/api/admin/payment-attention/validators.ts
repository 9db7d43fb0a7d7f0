import { z } from "zod"

/** `GET /admin/payment-attention?limit=&offset=`: one page of each category. */
export const AdminPaymentAttentionQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict()

export type AdminPaymentAttentionQueryType = z.infer<typeof AdminPaymentAttentionQuery>
