import { Alert, Button, Input, Label, Select, Text, toast } from "@medusajs/ui"
import { useRef, useState, type FormEvent } from "react"
import { newIdempotencyKey, useMoveLines, type InstrumentLine, type MoveKind, type MoveLinesBody, type MoveLinesResult } from "../../lib/payment-instruments"

type ShippingChoice = "policy" | "include" | "exclude"

/** How many units of a line can still be captured or refunded. */
export function movableQuantity(line: InstrumentLine, kind: MoveKind): number {
  return kind === "capture"
    ? line.quantity - line.captured_quantity - line.canceled_quantity
    : line.captured_quantity - line.refunded_quantity
}

/** Only lines still movable count, each capped at what is left: the ledger may have changed since the quantities were picked. */
function requestBody(movable: InstrumentLine[], quantities: Record<string, number>, kind: MoveKind, shipping: ShippingChoice): MoveLinesBody {
  const items = movable
    .map((line) => ({ id: line.order_item_id as string, quantity: Math.min(quantities[line.order_item_id as string] ?? 0, movableQuantity(line, kind)) }))
    .filter(({ quantity }) => quantity > 0)
  return kind === "capture" && shipping !== "policy" ? { items, include_shipping: shipping === "include" } : { items }
}

/** A 4xx is the server's definite answer; anything else (network, 5xx) leaves the outcome unknown. */
function isDefiniteRefusal(error: unknown): boolean {
  const status = (error as { status?: unknown }).status
  return typeof status === "number" && status >= 400 && status < 500
}

function reportResult(kind: MoveKind, result: MoveLinesResult): void {
  if (result.status === "pending") {
    toast.warning(`The PSP has not confirmed the ${kind} yet`, {
      description: "It is recorded on the order once the PSP confirms it; the card shows where it stands.",
    })
  } else if (result.status === "nothing_to_do") {
    toast.info(`Nothing to ${kind}`)
  } else {
    toast.success(kind === "capture" ? "Lines captured" : "Lines refunded")
  }
}

/**
 * Pick quantities per product line and capture or refund them at the PSP. Each new request gets
 * a fresh Idempotency-Key; resending the same selection after an unknown outcome (network error,
 * 5xx) reuses the key, so the server treats it as the same request and never moves money twice.
 */
export function MoveLinesForm({ orderId, kind, lines, onDone }: { orderId: string; kind: MoveKind; lines: InstrumentLine[]; onDone: () => void }) {
  const movable = lines.filter((line) => line.kind === "product" && line.order_item_id && movableQuantity(line, kind) > 0)
  const [quantities, setQuantities] = useState<Record<string, number>>({})
  const [shipping, setShipping] = useState<ShippingChoice>("policy")
  const [refusal, setRefusal] = useState<string>()
  const unsettledRequest = useRef<{ key: string; body: string }>()
  const mutation = useMoveLines(orderId, kind)

  const body = requestBody(movable, quantities, kind, shipping)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const signature = JSON.stringify(body)
    const key = unsettledRequest.current?.body === signature ? unsettledRequest.current.key : newIdempotencyKey()
    unsettledRequest.current = { key, body: signature }
    setRefusal(undefined)
    mutation.mutate(
      { body, idempotencyKey: key },
      {
        onSuccess: (result) => {
          unsettledRequest.current = undefined
          reportResult(kind, result)
          onDone()
        },
        onError: (error) => {
          const message = error instanceof Error ? error.message : String(error)
          if (isDefiniteRefusal(error)) {
            unsettledRequest.current = undefined
            setRefusal(message)
          } else {
            setRefusal(`${message}. The outcome is unknown: submitting the same quantities again retries the same request.`)
          }
        },
      }
    )
  }

  if (!movable.length) {
    return (
      <Text size="small" className="text-ui-fg-muted">
        {kind === "capture" ? "No line is left to capture." : "No captured line is left to refund."}
      </Text>
    )
  }
  return (
    <form onSubmit={submit} className="flex flex-col gap-y-3">
      {movable.map((line) => (
        <QuantityField
          key={line.reference}
          line={line}
          max={movableQuantity(line, kind)}
          value={Math.min(quantities[line.order_item_id as string] ?? 0, movableQuantity(line, kind))}
          onChange={(quantity) => setQuantities((current) => ({ ...current, [line.order_item_id as string]: quantity }))}
        />
      ))}
      {kind === "capture" && <ShippingSelect value={shipping} onChange={setShipping} />}
      {refusal && (
        <Alert variant="error" dismissible={false}>
          {refusal}
        </Alert>
      )}
      <div className="flex justify-end gap-x-2">
        <Button type="button" size="small" variant="secondary" onClick={onDone}>
          Close
        </Button>
        <Button type="submit" size="small" variant={kind === "refund" ? "danger" : "primary"} disabled={!body.items.length} isLoading={mutation.isPending}>
          {kind === "capture" ? "Capture" : "Refund"}
        </Button>
      </div>
    </form>
  )
}

function QuantityField({ line, max, value, onChange }: { line: InstrumentLine; max: number; value: number; onChange: (quantity: number) => void }) {
  const id = `move-${line.reference}`
  return (
    <div className="flex items-center justify-between gap-x-3">
      <Label htmlFor={id} size="xsmall" className="truncate" title={line.description}>
        {line.description} <span className="text-ui-fg-muted">(max {max})</span>
      </Label>
      <Input
        id={id}
        type="number"
        size="small"
        className="w-20"
        min={0}
        max={max}
        step={1}
        value={value}
        onChange={(event) => {
          const quantity = Number.parseInt(event.target.value, 10)
          onChange(Number.isNaN(quantity) ? 0 : Math.min(Math.max(quantity, 0), max))
        }}
      />
    </div>
  )
}

function ShippingSelect({ value, onChange }: { value: ShippingChoice; onChange: (choice: ShippingChoice) => void }) {
  return (
    <div className="flex items-center justify-between gap-x-3">
      <Label size="xsmall">Shipping</Label>
      <Select size="small" value={value} onValueChange={(choice) => onChange(choice as ShippingChoice)}>
        <Select.Trigger className="w-36">
          <Select.Value />
        </Select.Trigger>
        <Select.Content>
          <Select.Item value="policy">Capture policy</Select.Item>
          <Select.Item value="include">Include</Select.Item>
          <Select.Item value="exclude">Leave out</Select.Item>
        </Select.Content>
      </Select>
    </div>
  )
}
