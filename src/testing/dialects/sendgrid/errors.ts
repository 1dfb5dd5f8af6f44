import type { Reply } from "../../types.js";

export interface SendgridFieldError {
  message: string;
  field?: string | null;
  help?: string | null;
}

/** SendGrid's error shape: `{ errors: [{ message, field, help }] }`. */
export function sendgridError(status: number, errors: readonly SendgridFieldError[]): Reply {
  return { status, json: { errors: errors.map((e) => ({ field: e.field ?? null, message: e.message, ...(e.help !== undefined && { help: e.help }) })) } };
}

/** The error of a status the test injects without a body, as SendGrid would send it. */
export function sendgridErrorReply(status: number): Reply {
  switch (status) {
    case 401:
      return sendgridError(401, [{ message: "The provided authorization grant is invalid, expired, or revoked" }]);
    case 403:
      return sendgridError(403, [{ message: "access forbidden" }]);
    case 404:
      return sendgridError(404, [{ message: "resource not found" }]);
    case 413:
      return sendgridError(413, [{ message: "The JSON payload you have included in your request is too large." }]);
    case 429:
      return sendgridError(429, [{ message: "too many requests" }]);
    default:
      return sendgridError(status, [{ message: status >= 500 ? "internal server error" : `HTTP ${status}` }]);
  }
}
