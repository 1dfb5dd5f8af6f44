import type { Reply } from "../../types.js";
import { base62Id } from "../ids.js";
import { invalidRequest, stripeError } from "./errors.js";
import type { PaymentIntent } from "./state.js";

interface Decline {
  code: string;
  decline_code?: string;
  message: string;
}

/** Stripe's test payment methods that fail, by id; any other `pm_card_...` succeeds. */
const DECLINES: Record<string, Decline> = {
  pm_card_chargeDeclined: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." },
  pm_card_visa_chargeDeclined: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." },
  pm_card_chargeDeclinedInsufficientFunds: { code: "card_declined", decline_code: "insufficient_funds", message: "Your card has insufficient funds." },
  pm_card_visa_chargeDeclinedInsufficientFunds: { code: "card_declined", decline_code: "insufficient_funds", message: "Your card has insufficient funds." },
  pm_card_chargeDeclinedFraudulent: { code: "card_declined", decline_code: "fraudulent", message: "Your card was declined." },
  pm_card_chargeDeclinedLostCard: { code: "card_declined", decline_code: "lost_card", message: "Your card was declined." },
  pm_card_chargeDeclinedStolenCard: { code: "card_declined", decline_code: "stolen_card", message: "Your card was declined." },
  pm_card_chargeDeclinedExpiredCard: { code: "expired_card", decline_code: "expired_card", message: "Your card has expired." },
  pm_card_chargeDeclinedIncorrectCvc: { code: "incorrect_cvc", decline_code: "incorrect_cvc", message: "Your card's security code is incorrect." },
  pm_card_chargeDeclinedProcessingError: {
    code: "processing_error",
    decline_code: "processing_error",
    message: "An error occurred while processing your card. Try again in a little bit.",
  },
};

/** Whether a payment method id is one the simulator knows (Stripe's `pm_card_*` test methods). */
export function knownPaymentMethod(id: string): boolean {
  return id.startsWith("pm_card_");
}

export type ConfirmOutcome = { ok: true } | { ok: false; reply: Reply };

/**
 * Charges a payment intent with its payment method: `succeeded`, or back to `requires_payment_method` with
 * `last_payment_error` and a 402 `card_error` carrying the decline code and the intent.
 */
export function confirm(pi: PaymentIntent, requestLogId: string): ConfirmOutcome {
  if (pi.status === "succeeded" || pi.status === "canceled") {
    return {
      ok: false,
      reply: invalidRequest(
        `This PaymentIntent's payment_method could not be updated because it has a status of ${pi.status}. You may only update the payment_method of a PaymentIntent with one of the following statuses: requires_payment_method, requires_confirmation, requires_action.`,
        undefined,
        "payment_intent_unexpected_state",
      ),
    };
  }
  if (pi.payment_method === null) {
    return {
      ok: false,
      reply: invalidRequest(
        "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with a payment method, specify one in the payment_method parameter.",
        "payment_method",
        "payment_intent_unexpected_state",
      ),
    };
  }
  const decline = DECLINES[pi.payment_method];
  if (decline === undefined) {
    pi.status = "succeeded";
    pi.amount_received = pi.amount;
    pi.latest_charge = base62Id("ch_");
    pi.last_payment_error = null;
    return { ok: true };
  }
  const charge = base62Id("ch_");
  const error = {
    type: "card_error",
    code: decline.code,
    ...(decline.decline_code !== undefined && { decline_code: decline.decline_code }),
    message: decline.message,
    charge,
    payment_method: { id: pi.payment_method, object: "payment_method", type: "card" },
    doc_url: `https://stripe.com/docs/error-codes/${decline.code.replaceAll("_", "-")}`,
    request_log_url: `https://dashboard.stripe.com/test/logs/${requestLogId}`,
  };
  pi.status = "requires_payment_method";
  pi.latest_charge = charge;
  pi.last_payment_error = error;
  return { ok: false, reply: stripeError(402, { ...error, payment_intent: structuredClone(pi) }) };
}
