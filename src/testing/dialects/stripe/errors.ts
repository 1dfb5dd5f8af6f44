import type { Reply } from "../../types.js";

/** Stripe's error envelope: `{ error: { type, code?, message, param?, doc_url? ... } }`. */
export function stripeError(status: number, error: Record<string, unknown>, headers?: Record<string, string>): Reply {
  const code = typeof error.code === "string" ? error.code : undefined;
  const body = code === undefined ? error : { doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll("_", "-")}`, ...error };
  return { status, json: { error: body }, ...(headers && { headers }) };
}

export const invalidRequest = (message: string, param?: string, code?: string): Reply =>
  stripeError(400, { type: "invalid_request_error", message, ...(param !== undefined && { param }), ...(code !== undefined && { code }) });

export const missingParam = (param: string): Reply => invalidRequest(`Missing required param: ${param}.`, param, "parameter_missing");

export const noSuch = (what: string, id: string, param = "id"): Reply =>
  stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such ${what}: '${id}'`, param });

/** The error of a status the test injects without a body, as Stripe would send it. */
export function stripeErrorReply(status: number): Reply {
  switch (status) {
    case 400:
      return invalidRequest("Invalid request.");
    case 401:
      return stripeError(401, { type: "invalid_request_error", message: "Invalid API Key provided." });
    case 402:
      return stripeError(402, { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." });
    case 404:
      return stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: "No such object." });
    case 409:
      return stripeError(
        409,
        {
          type: "invalid_request_error",
          code: "lock_timeout",
          message: "This object cannot be accessed right now because another API request or Stripe process is currently accessing it.",
        },
        { "stripe-should-retry": "true" },
      );
    case 429:
      return stripeError(429, {
        type: "invalid_request_error",
        code: "rate_limit",
        message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
      });
    default:
      if (status >= 500) return stripeError(status, { type: "api_error", message: "An unknown error occurred" });
      return stripeError(status, { type: "invalid_request_error", message: `HTTP ${status}` });
  }
}
