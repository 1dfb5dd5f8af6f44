/**
 * The receiver a careful user writes by hand without ballast: node:http and
 * node:crypto, the Stripe signature checked in constant time against every
 * v1= in the header, the 5-minute window, the body parsed and its id read,
 * then `200 {"received":true}`; nothing stored. It is the receiver suite's
 * raw baseline (the HTTP suite's raw undici.request): what verification alone
 * costs on this machine, so the rows above it show what ballast's receiver adds.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

const TOLERANCE_S = 300;
const MAX_BYTES = 1024 * 1024;
const OK = '{"received":true}';

/** Whether `header` (`t=<s>,v1=<hex>[,v1=...]`) signs `body` with `secret` within the window. */
function verified(secret: string, header: string, body: Buffer): boolean {
  let t = "";
  const signatures: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    if (name === "t") t = part.slice(eq + 1).trim();
    else if (name === "v1") signatures.push(Buffer.from(part.slice(eq + 1).trim(), "hex"));
  }
  const seconds = Number(t);
  if (t === "" || !Number.isInteger(seconds) || Math.abs(Date.now() / 1000 - seconds) > TOLERANCE_S) return false;
  const expected = createHmac("sha256", secret).update(`${t}.`).update(body).digest();
  return signatures.some((s) => s.length === expected.length && timingSafeEqual(s, expected));
}

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export function handWrittenReceiver(secret: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BYTES) return answer(res, 413, '{"error":"payload_too_large"}');
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      const header = req.headers["stripe-signature"];
      if (typeof header !== "string" || !verified(secret, header, body)) return answer(res, 400, '{"error":"signature_mismatch"}');
      let event: { id?: unknown };
      try {
        event = JSON.parse(body.toString("utf8")) as { id?: unknown };
      } catch {
        return answer(res, 400, '{"error":"malformed_payload"}');
      }
      if (typeof event?.id !== "string") return answer(res, 400, '{"error":"malformed_payload"}');
      answer(res, 200, OK);
    });
  };
}
