import type { Reply } from "../../types.js";

/** Twilio's error shape: `{ code, message, more_info, status }`. */
export function twilioError(status: number, code: number, message: string, headers?: Record<string, string>): Reply {
  return { status, json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, ...(headers && { headers }) };
}

/** The error of a status the test injects without a body, as Twilio would send it. */
export function twilioErrorReply(status: number): Reply {
  switch (status) {
    case 400:
      return twilioError(400, 21601, "Invalid parameter");
    case 401:
      return twilioError(401, 20003, "Authenticate");
    case 404:
      return twilioError(404, 20404, "The requested resource was not found");
    case 429:
      return twilioError(429, 20429, "Too Many Requests");
    case 503:
      return twilioError(503, 20503, "Service Unavailable");
    default:
      return twilioError(status, status >= 500 ? 20500 : 20001, status >= 500 ? "Internal Server Error" : `HTTP ${status}`);
  }
}
