import { ApiError, errorGuard } from "../errors.js";

/** Why a webhook failed verification. */
export type WebhookVerificationReason =
  | "missing_header"
  | "malformed_header"
  | "signature_mismatch"
  | "timestamp_out_of_tolerance"
  | "payload_too_large"
  | "invalid_payload";

/**
 * A webhook did not verify. `reason` says why; the message never contains the
 * secret or the expected signature.
 */
export class WebhookVerificationError extends ApiError {
  override readonly code = "BALLAST_WEBHOOK_VERIFICATION";
  readonly reason: WebhookVerificationReason;
  /** The scheme that refused the webhook, e.g. `stripe`. */
  readonly scheme: string;

  constructor(scheme: string, reason: WebhookVerificationReason, detail: string) {
    super(`${scheme} webhook verification failed (${reason}): ${detail}`);
    this.scheme = scheme;
    this.reason = reason;
  }

  /** The HTTP status a receiver answers with: 413, 401 for bad signatures or stale timestamps, else 400. */
  get status(): 400 | 401 | 413 {
    if (this.reason === "payload_too_large") return 413;
    if (this.reason === "signature_mismatch" || this.reason === "timestamp_out_of_tolerance") return 401;
    return 400;
  }
}

export const isWebhookVerificationError = errorGuard<WebhookVerificationError>("BALLAST_WEBHOOK_VERIFICATION");
