import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { EXAMPLES } from "../../examples/examples.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** What each example must print: it ran against its simulator and did what it says. */
const EXPECTED: Record<string, RegExp[]> = {
  "stripe-payment": [
    /^payment intent pi_\w+: succeeded, 20 usd from ada@example\.com \(request req_\w+\)$/m,
    /^declined: HTTP 402 card_declined \(generic_decline\): Your card was declined\.$/m,
    /^after a dropped connection: succeeded, 1 new payment intent$/m,
    /^payment intents listed: 3$/m,
  ],
  "sendgrid-email": [/^accepted: HTTP 202, X-Message-Id \w{22}$/m, /^rejected: HTTP 400: /m, /^mail sent to the simulator: 1$/m],
  "twilio-sms": [/^sent SM[0-9a-f]{32}: queued$/m, /^sent MM[0-9a-f]{32} with 2 media$/m, /^messages listed: 2$/m],
  "github-issues": [/^issues listed: 5 in 3 pages$/m, /^rate limit: \d+ of 5000 left$/m, /^unknown repository: HTTP 404: Not Found$/m],
  "stripe-webhook-sqlite": [
    /^fulfilling pi_\w+: 42 eur/m,
    /^deliveries: first 200, again 200, forged 401$/m,
    /^events stored and processed: 1; orders fulfilled: 1$/m,
  ],
  "webhooks-send-standard": [/^delivery 1: 200 \{"received":true\}$/m, /^delivery 2: 200 \{"received":true,"duplicate":true\}$/m],
  "oauth-client-credentials": [/^token cached: true, expires /m],
  "oauth-cli-login": [/^Signed in as demo$/m, /^Refreshed \(the refresh token was rotated and stored\)\.$/m],
};

/** The environment of a machine with no provider credentials: the examples must not need any. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^(STRIPE|TWILIO|SENDGRID|GITHUB|SLACK|SHOPIFY)_/.test(name)) delete env[name];
  return env;
}

describe("examples", () => {
  it("every example has expectations here", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  it.each(Object.keys(EXAMPLES))(
    "npm run example -- %s runs against its simulator",
    async (name) => {
      const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/run.ts", name], { cwd: ROOT, env: cleanEnv(), timeout: 90_000 });
      for (const line of EXPECTED[name] ?? []) expect(stdout).toMatch(line);
    },
    120_000,
  );

  it("lists the examples, and refuses an unknown one", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/run.ts"], { cwd: ROOT });
    for (const name of Object.keys(EXAMPLES)) expect(stdout).toContain(name);
    await expect(run(process.execPath, ["--import", "tsx", "examples/run.ts", "nope"], { cwd: ROOT })).rejects.toMatchObject({ code: 2 });
  });
});
