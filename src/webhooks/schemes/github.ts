import { randomUUID } from "node:crypto";
import { hmac, safeEqual } from "../digest.js";
import { WebhookVerificationError } from "../errors.js";
import { malformedHeader, mismatch, missingHeader } from "../failures.js";
import { field, isForm, parseForm, parseJson, utf8 } from "../parse.js";
import type { WebhookScheme } from "../types.js";

const HEADER = "x-hub-signature-256";

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body)>`. No signed
 * timestamp, so no replay window: de-duplicate on `X-GitHub-Delivery`.
 * The SHA-1 `X-Hub-Signature` header is ignored on purpose.
 */
export const githubScheme: WebhookScheme = {
  name: "github",
  defaultToleranceMs: 0,
  contentTypes: ["application/json", "application/x-www-form-urlencoded"],

  verify({ payload, header, secrets }) {
    const value = header(HEADER);
    if (value === undefined || value === "") throw missingHeader("github", HEADER);
    if (!value.startsWith("sha256=")) throw malformedHeader("github", HEADER, 'does not start with "sha256="');
    const given = value.slice(7);
    for (const secret of secrets) {
      if (safeEqual(given, hmac("sha256", secret, "hex", payload))) return undefined;
    }
    throw mismatch("github", payload);
  },

  sign({ payload, secret, id, type }) {
    const headers: Record<string, string> = {
      [HEADER]: `sha256=${hmac("sha256", secret, "hex", payload)}`,
      "x-github-delivery": id || randomUUID(),
      "content-type": "application/json",
    };
    if (type !== undefined) headers["x-github-event"] = type;
    return headers;
  },

  // GitHub can also deliver `application/x-www-form-urlencoded`: the JSON in a `payload` field.
  parse(payload, header) {
    if (!isForm(header)) return parseJson("github", payload);
    const inner = parseForm(utf8("github", payload)).payload;
    if (typeof inner !== "string") throw new WebhookVerificationError("github", "invalid_payload", "a form delivery has no payload field");
    return parseJson("github", Buffer.from(inner));
  },

  identify(header, event) {
    const name = header("x-github-event");
    const action = field(event, "action");
    return { id: header("x-github-delivery"), type: name && action ? `${name}.${action}` : name };
  },
};
