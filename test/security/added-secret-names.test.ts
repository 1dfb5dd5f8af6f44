/**
 * A name added with `addSecretParams` is redacted everywhere ballast prints a
 * body, even where a name that only looks secret is kept: an API error's
 * `code` in `apiDetails` is shown as an error code, unless the user said
 * their `code` is a secret. (Its own file: `addSecretParams` is process-wide.)
 */
import { expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import type { HttpError } from "../../src/errors.js";
import { addSecretParams } from "../../src/redact.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();

it("apiDetails keeps an error's code, but not once the user added code to the secret names", async () => {
  env.sim.route("POST", "/issues", { status: 422, json: { message: "Validation Failed", errors: [{ field: "title", code: "code-value-4711" }] } });
  const client = createClient({ baseUrl: env.sim.url, retry: false });
  onTestFinished(() => client.close());
  const before = (await client.post("/issues", { json: {} }).catch((e: unknown) => e)) as HttpError;
  expect(JSON.stringify(before)).toContain("code-value-4711");
  addSecretParams("code");
  const after = (await client.post("/issues", { json: {} }).catch((e: unknown) => e)) as HttpError;
  expect(JSON.stringify(after.apiDetails)).not.toContain("code-value-4711");
  expect(JSON.stringify(JSON.parse(JSON.stringify(after)).body)).not.toContain("code-value-4711");
});
