/**
 * Issue 5: webhook verifications per second, per scheme, against a raw
 * node:crypto baseline doing the same work (HMAC alone, or HMAC plus
 * JSON.parse when the event is parsed) and against each provider's official
 * package. 2 KB payloads; interleaved rounds, medians.
 */
import { fork } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { fileURLToPath } from "node:url";
import { verify as octokitVerify } from "@octokit/webhooks-methods";
import { Webhook as StandardWebhook } from "standardwebhooks";
import Stripe from "stripe";
import { Webhook as SvixWebhook } from "svix";
import twilio from "twilio";
import { createVerifier, hmacScheme, signWebhook, verifyWebhook } from "../../src/webhooks/index.js";

export const title = "Webhooks: verifications per second (2 KB payload)";

const ROUNDS = process.env.BENCH_QUICK === "1" ? 3 : 7;
const ROUND_MS = 250;

type Op = () => unknown;
interface Contender {
  name: string;
  /** "raw" baselines are what the ratios are against. */
  kind: "raw-hmac" | "raw-parse" | "ballast" | "official";
  /** Does it parse the JSON? Ratios compare like with like. */
  parses: boolean;
  /** An official package given less to do than a receiver has (e.g. the body already parsed): shown, not compared. */
  lessWork?: true;
  op: Op;
}

/** A Stripe-like event of about 2 KB, pretty-printed as providers send it. */
function payload2k(): string {
  const lines: Array<Record<string, unknown>> = [];
  let body = "";
  while (body.length < 2048) {
    lines.push({ id: `il_${lines.length}`, amount: 1000 + lines.length, currency: "usd" });
    body = JSON.stringify({ id: "evt_1", type: "invoice.paid", created: 1_700_000_000, data: { object: { id: "in_1", lines } } }, null, 2);
  }
  return body;
}

const safeEq = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function stripeContenders(body: Buffer): Contender[] {
  const secret = "whsec_bench";
  const headers = signWebhook({ scheme: "stripe", payload: body, secret });
  const header = headers["stripe-signature"] as string;
  const t = header.slice(2, header.indexOf(","));
  const sig = header.slice(header.indexOf("v1=") + 3);
  const stripe = new Stripe("sk_test_bench");
  const raw = () => safeEq(createHmac("sha256", secret).update(`${t}.`).update(body).digest("hex"), sig);
  const verifier = createVerifier({ scheme: "stripe", secret, parse: false });
  const parsing = createVerifier({ scheme: "stripe", secret });
  return [
    { name: "raw node:crypto HMAC", kind: "raw-hmac", parses: false, op: raw },
    { name: "raw node:crypto HMAC + JSON.parse", kind: "raw-parse", parses: true, op: () => raw() && JSON.parse(body.toString("utf8")) },
    { name: "ballast createVerifier, parse: false", kind: "ballast", parses: false, op: () => verifier(body, headers) },
    { name: "ballast createVerifier", kind: "ballast", parses: true, op: () => parsing(body, headers) },
    { name: "ballast verifyWebhook", kind: "ballast", parses: true, op: () => verifyWebhook({ scheme: "stripe", payload: body, headers, secret }) },
    { name: "stripe constructEvent", kind: "official", parses: true, op: () => stripe.webhooks.constructEvent(body, header, secret) },
  ];
}

function githubContenders(body: Buffer, text: string): Contender[] {
  const secret = "github-bench-secret";
  const headers = signWebhook({ scheme: "github", payload: body, secret, id: "d1", type: "push" });
  const sig = headers["x-hub-signature-256"] as string;
  const raw = () => safeEq(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`, sig);
  const verifier = createVerifier({ scheme: "github", secret, parse: false });
  const parsing = createVerifier({ scheme: "github", secret });
  return [
    { name: "raw node:crypto HMAC", kind: "raw-hmac", parses: false, op: raw },
    { name: "raw node:crypto HMAC + JSON.parse", kind: "raw-parse", parses: true, op: () => raw() && JSON.parse(body.toString("utf8")) },
    { name: "ballast createVerifier, parse: false", kind: "ballast", parses: false, op: () => verifier(body, headers) },
    { name: "ballast createVerifier", kind: "ballast", parses: true, op: () => parsing(body, headers) },
    { name: "@octokit/webhooks-methods verify (async)", kind: "official", parses: false, op: () => octokitVerify(secret, text, sig) },
  ];
}

function standardContenders(body: Buffer, text: string): Contender[] {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const key = Buffer.from(secret.slice(6), "base64");
  const headers = signWebhook({ scheme: "standard", payload: body, secret, id: "msg_1" });
  const prefix = `msg_1.${headers["webhook-timestamp"]}.`;
  const sig = (headers["webhook-signature"] as string).slice(3);
  const raw = () => safeEq(createHmac("sha256", key).update(prefix).update(body).digest("base64"), sig);
  const verifier = createVerifier({ scheme: "standard", secret, parse: false });
  const parsing = createVerifier({ scheme: "standard", secret });
  const std = new StandardWebhook(secret);
  const svix = new SvixWebhook(secret);
  return [
    { name: "raw node:crypto HMAC", kind: "raw-hmac", parses: false, op: raw },
    { name: "raw node:crypto HMAC + JSON.parse", kind: "raw-parse", parses: true, op: () => raw() && JSON.parse(body.toString("utf8")) },
    { name: "ballast createVerifier, parse: false", kind: "ballast", parses: false, op: () => verifier(body, headers) },
    { name: "ballast createVerifier", kind: "ballast", parses: true, op: () => parsing(body, headers) },
    { name: "standardwebhooks verify", kind: "official", parses: true, op: () => std.verify(text, headers) },
    { name: "svix verify", kind: "official", parses: true, op: () => svix.verify(text, headers) },
  ];
}

function simpleContenders(scheme: "slack" | "shopify", body: Buffer): Contender[] {
  const secret = `${scheme}-bench-secret`;
  const headers = signWebhook({ scheme, payload: body, secret, id: "w1", type: "orders/create" });
  let raw: () => boolean;
  if (scheme === "slack") {
    const ts = headers["x-slack-request-timestamp"] as string;
    const sig = headers["x-slack-signature"] as string;
    raw = () => safeEq(`v0=${createHmac("sha256", secret).update(`v0:${ts}:`).update(body).digest("hex")}`, sig);
  } else {
    const sig = headers["x-shopify-hmac-sha256"] as string;
    raw = () => safeEq(createHmac("sha256", secret).update(body).digest("base64"), sig);
  }
  const verifier = createVerifier({ scheme, secret, parse: false });
  const parsing = createVerifier({ scheme, secret });
  return [
    { name: "raw node:crypto HMAC", kind: "raw-hmac", parses: false, op: raw },
    { name: "raw node:crypto HMAC + JSON.parse", kind: "raw-parse", parses: true, op: () => raw() && JSON.parse(body.toString("utf8")) },
    { name: "ballast createVerifier, parse: false", kind: "ballast", parses: false, op: () => verifier(body, headers) },
    { name: "ballast createVerifier", kind: "ballast", parses: true, op: () => parsing(body, headers) },
  ];
}

function twilioContenders(): Contender[] {
  const token = "twilio-bench-token";
  const url = "https://example.com/sms/status";
  const params: Record<string, string> = {};
  for (let i = 0; i < 40; i++) params[`Param${i}`] = `value-${i}-${"v".repeat(30)}`;
  const form = new URLSearchParams(params).toString();
  const body = Buffer.from(form);
  const headers: Record<string, string> = {
    ...signWebhook({ scheme: "twilio", payload: body, secret: token, url }),
    "content-type": "application/x-www-form-urlencoded",
  };
  const sig = headers["x-twilio-signature"] as string;
  // The baseline does Twilio's whole job: parse the form, sort, concatenate, HMAC-SHA1. The parsed
  // form is the event, so the same work serves as the baseline with and without parsing.
  const raw = () => {
    const p = Object.fromEntries(new URLSearchParams(body.toString()));
    let data = url;
    for (const k of Object.keys(p).sort()) data += k + p[k];
    return safeEq(createHmac("sha1", token).update(data).digest("base64"), sig) && p;
  };
  const verifier = createVerifier({ scheme: "twilio", secret: token, parse: false });
  const parsing = createVerifier({ scheme: "twilio", secret: token });
  return [
    { name: "raw node:crypto (form parse + sort + HMAC-SHA1)", kind: "raw-hmac", parses: false, op: raw },
    { name: "raw node:crypto, the same, its parsed form kept as the event", kind: "raw-parse", parses: true, op: raw },
    { name: "ballast createVerifier, parse: false", kind: "ballast", parses: false, op: () => verifier(body, headers, url) },
    { name: "ballast createVerifier", kind: "ballast", parses: true, op: () => parsing(body, headers, url) },
    {
      name: "twilio validateRequest, body parsed by URLSearchParams (a receiver's work)",
      kind: "official",
      parses: true,
      op: () => twilio.validateRequest(token, sig, url, Object.fromEntries(new URLSearchParams(body.toString()))),
    },
    {
      name: "twilio validateRequest, params given pre-parsed (less work)",
      kind: "official",
      parses: false,
      lessWork: true,
      op: () => twilio.validateRequest(token, sig, url, params),
    },
  ];
}

function hmacContenders(body: Buffer): Contender[] {
  const secret = "hmac-bench-secret";
  const scheme = { name: "bench", header: "x-signature", prefix: "sha256=" };
  const s = hmacScheme(scheme);
  const headers = signWebhook({ scheme: s, payload: body, secret });
  const sig = headers["x-signature"] as string;
  const raw = () => safeEq(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`, sig);
  const verifier = createVerifier({ scheme: s, secret, parse: false });
  const parsing = createVerifier({ scheme: s, secret });
  return [
    { name: "raw node:crypto HMAC", kind: "raw-hmac", parses: false, op: raw },
    { name: "raw node:crypto HMAC + JSON.parse", kind: "raw-parse", parses: true, op: () => raw() && JSON.parse(body.toString("utf8")) },
    { name: "ballast createVerifier, parse: false", kind: "ballast", parses: false, op: () => verifier(body, headers) },
    { name: "ballast createVerifier", kind: "ballast", parses: true, op: () => parsing(body, headers) },
  ];
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Operations per CPU-second of this process: on a shared machine, wall time
 * also counts other processes' work; CPU time counts only ours.
 */
async function measure(op: Op, ms: number): Promise<number> {
  let n = 0;
  const first = op();
  const isAsync = first instanceof Promise;
  if (isAsync) await first;
  const start = cpuMs();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 200; i++) {
      const r = op();
      if (isAsync) await r;
    }
    n += 200;
    now = cpuMs();
  }
  return (n / (now - start)) * 1000;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const fmt = (n: number) => `${(n / 1000).toFixed(1)}k`;

function groups(): Array<[string, () => Contender[]]> {
  const text = payload2k();
  const body = Buffer.from(text);
  return [
    ["stripe", () => stripeContenders(body)],
    ["github", () => githubContenders(body, text)],
    ["standard (Standard Webhooks / Svix)", () => standardContenders(body, text)],
    ["slack", () => simpleContenders("slack", body)],
    ["shopify", () => simpleContenders("shopify", body)],
    ["twilio (form, 40 params)", () => twilioContenders()],
    ["hmac (custom)", () => hmacContenders(body)],
  ];
}

/** Measures one scheme's contenders (in a process of its own) and returns its table. */
async function measureGroup(scheme: string, contenders: Contender[]): Promise<string> {
  // Sanity: every contender must accept its input.
  for (const c of contenders) if ((await c.op()) === false) throw new Error(`${c.name} rejected its own input`);
  const samples = contenders.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + r) % contenders.length;
      samples[i]?.push(await measure((contenders[i] as Contender).op, ROUND_MS));
    }
  }
  const baseOf = (c: Contender) => contenders.findIndex((b) => b.kind === (c.parses ? "raw-parse" : "raw-hmac"));
  const out = [`### ${scheme}`, "", "| contender | parses | verifications/CPU-s | vs raw same work |", "|---|---|---:|---:|"];
  contenders.forEach((c, i) => {
    const b = baseOf(c);
    // Each round's result over the baseline's in the same round, then the median.
    const ratio = b === -1 ? "n/a" : `${median((samples[i] as number[]).map((x, r) => x / ((samples[b] as number[])[r] as number))).toFixed(2)}x`;
    out.push(`| ${c.name} | ${c.parses ? "yes" : "no"} | ${fmt(median(samples[i] as number[]))} | ${ratio} |`);
  });
  // "At least as fast as each official package": ballast's verifier doing the same work, per round.
  contenders.forEach((c, i) => {
    if (c.kind !== "official" || c.lessWork) return;
    const j = contenders.findIndex((b) => b.kind === "ballast" && b.name.startsWith("ballast createVerifier") && b.parses === c.parses);
    if (j === -1) return;
    const ratio = median((samples[j] as number[]).map((x, r) => x / ((samples[i] as number[])[r] as number)));
    out.push("", `${contenders[j]?.name} vs ${c.name}: ${ratio.toFixed(2)}x — **${ratio >= 1 ? "met" : "not met"}** (target ≥ 1x)`);
  });
  console.error(`${scheme}: ${contenders.map((c, i) => `${c.name} ${fmt(median(samples[i] as number[]))}`).join("; ")}`);
  return out.join("\n");
}

function runGroupInChild(index: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, BALLAST_VERIFY_GROUP: String(index) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (m) => resolve(String(m)));
    child.once("error", reject);
    child.once("exit", (code) => code !== 0 && reject(new Error(`verify bench child exited with ${code}`)));
  });
}

export async function run(): Promise<string> {
  const out: string[] = [
    `Payload ${Buffer.byteLength(payload2k())} bytes (twilio: a form of 40 params). Each scheme is measured in a fresh process (a receiver verifies one scheme; ` +
      `code warmed up by the other schemes would skew whichever runs later). ${ROUNDS} interleaved rounds of ${ROUND_MS} ms of CPU time per contender; ` +
      "verifications per CPU-second of one core (equal to per second on an idle machine; stable when other processes share it); medians. " +
      "Ratios: each contender against the raw node:crypto baseline doing the same work (no parse → raw HMAC; parse → raw HMAC + JSON.parse), " +
      "the median of the per-round ratios.",
    "",
  ];
  const all = groups();
  for (let i = 0; i < all.length; i++) out.push(await runGroupInChild(i), "");
  return out.join("\n");
}

if (process.env.BALLAST_VERIFY_GROUP !== undefined) {
  const [scheme, make] = groups()[Number(process.env.BALLAST_VERIFY_GROUP)] as [string, () => Contender[]];
  measureGroup(scheme, make()).then(
    (table) => process.send?.(table, () => process.exit(0)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
