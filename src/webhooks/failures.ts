import { WebhookVerificationError } from "./errors.js";
import { reserializedHint } from "./payload.js";

/** The header `name` is absent. */
export function missingHeader(scheme: string, name: string): WebhookVerificationError {
  return new WebhookVerificationError(scheme, "missing_header", `header "${name}" is missing`);
}

/** The header `name` is there but cannot be read. */
export function malformedHeader(scheme: string, name: string, problem: string): WebhookVerificationError {
  return new WebhookVerificationError(scheme, "malformed_header", `header "${name}" ${problem}`);
}

/** No configured secret signs the payload as the delivery claims; hints at a re-serialised body. */
export function mismatch(scheme: string, payload: Buffer, extra = ""): WebhookVerificationError {
  return new WebhookVerificationError(
    scheme,
    "signature_mismatch",
    `no signature matches the payload with any configured secret${extra}${reserializedHint(payload)}`,
  );
}
