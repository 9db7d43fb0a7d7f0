import { defineLink } from "@medusajs/framework/utils"
import OrderModule from "@medusajs/medusa/order"
import PaymentLedgerModule from "../modules/payment-ledger"

/** An order has the financial instruments of its payments; each instrument belongs to one order. */
export default defineLink(OrderModule.linkable.order, {
  linkable: PaymentLedgerModule.linkable.paymentInstrument,
  isList: true,
})
