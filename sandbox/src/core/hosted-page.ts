import { z } from "zod"

/** The buttons every hosted page offers; their values are also the `data-testid`s. */
export const hostedDecisionSchema = z.enum(["approve", "decline", "hold", "abandon"])
export type HostedDecision = z.infer<typeof hostedDecisionSchema>

export type HostedPageModel = {
  pspTitle: string
  heading: string
  reference: string
  currency?: string
  lines: Array<{ description: string; quantity: string; amount: string }>
  total: string
  /** Where the payment stands, in words a shopper understands. */
  outcome: ShopperOutcome
  /** The PSP's own status, shown only as a small technical detail (for the developer testing). */
  status: string
  /** Shown when the page still awaits the shopper; without it the page only shows the outcome. */
  form?: { action: string; holdLabel: string }
}

/** Where a payment stands, as the shopper sees it; each PSP maps its own statuses onto these. */
export type ShopperOutcome =
  | "awaiting_payment"
  | "retry"
  | "partly_paid"
  | "approved"
  | "in_review"
  | "declined"
  | "canceled"
  | "expired"

const SHOPPER_MESSAGES: Record<ShopperOutcome, string> = {
  awaiting_payment: "Check your order and choose how to pay.",
  retry: "Your last payment did not go through. You can try again.",
  partly_paid: "Part of your order is paid. Please pay the rest.",
  approved: "Your payment is approved. You can return to the shop.",
  in_review: "Your payment is being reviewed. The shop will let you know when it is approved.",
  declined: "Your payment was declined. No money was taken.",
  canceled: "This payment was canceled. No money was taken.",
  expired: "This payment link has expired. Please start again from the shop.",
}

const LABELS: Record<HostedDecision, string> = {
  approve: "Approve",
  decline: "Decline",
  hold: "Put on hold",
  abandon: "Abandon",
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

/** A plain HTML page: the order, and a form with one submit button per decision. */
export function renderHostedPage(model: HostedPageModel): string {
  const rows = model.lines
    .map(
      (line) =>
        `<tr data-testid="line"><td>${escapeHtml(line.description)}</td><td>${escapeHtml(line.quantity)}</td><td>${escapeHtml(line.amount)}</td></tr>`
    )
    .join("\n")
  const buttons = model.form
    ? `<form method="post" action="${escapeHtml(model.form.action)}">
${hostedDecisionSchema.options
  .map((decision) => {
    const label = decision === "hold" ? model.form!.holdLabel : LABELS[decision]
    return `  <button type="submit" name="decision" value="${decision}" data-testid="${decision}">${escapeHtml(label)}</button>`
  })
  .join("\n")}
</form>`
    : `<p data-testid="final">Nothing more to do on this page.</p>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(model.pspTitle)}: ${escapeHtml(model.heading)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto}table{width:100%;border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}button{margin:.5rem .5rem 0 0;padding:.5rem 1rem}.technical{color:#777;margin-top:2rem}</style>
</head>
<body>
<p><small>${escapeHtml(model.pspTitle)} (sandbox)</small></p>
<h1>${escapeHtml(model.heading)}</h1>
<p data-testid="outcome" data-outcome="${model.outcome}"><strong>${escapeHtml(SHOPPER_MESSAGES[model.outcome])}</strong></p>
<p>Order reference <strong data-testid="reference">${escapeHtml(model.reference)}</strong></p>
<table>
<thead><tr><th>Item</th><th>Quantity</th><th>Amount</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><th colspan="2">Total</th><th data-testid="total">${escapeHtml(model.total)}${model.currency ? ` ${escapeHtml(model.currency)}` : ""}</th></tr></tfoot>
</table>
${buttons}
<p class="technical"><small>Sandbox detail: PSP status <code data-testid="status">${escapeHtml(model.status)}</code></small></p>
</body>
</html>
`
}
