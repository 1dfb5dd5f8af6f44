import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** The public names of shared/DESIGN.md, by entry point: code outside this repo calls them. */
const CONTRACT: Record<string, { src: string; names: string[] }> = {
  ".": {
    src: "../../src/index.ts",
    names: [
      "createClient",
      "compose",
      "bearer",
      "apiKey",
      "basic",
      "retry",
      "rateLimit",
      "circuitBreaker",
      "timeout",
      "concurrency",
      "cache",
      "dedupe",
      "memoryStore",
      "cursor",
      "offset",
      "page",
      "linkHeader",
      "nextUrl",
      "ApiError",
      "HttpError",
      "TimeoutError",
      "NetworkError",
      "CircuitOpenError",
      "RateLimitError",
      "ValidationError",
      "ParseError",
      "AbortError",
      "isHttpError",
      "isTimeoutError",
      "isNetworkError",
      "isCircuitOpenError",
      "isRateLimitError",
      "isValidationError",
      "isParseError",
      "isAbortError",
    ],
  },
  "./redis": { src: "../../src/stores/redis.ts", names: ["redisStore"] },
  "./oauth": {
    src: "../../src/oauth/index.ts",
    names: ["oauth2", "TokenManager", "jwtAssertion", "memoryTokenStore", "redisTokenStore", "sqlTokenStore", "encryptedTokenStore"],
  },
  "./webhooks": {
    src: "../../src/webhooks/index.ts",
    names: ["verifyWebhook", "signWebhook", "createWebhookReceiver", "memoryInbox", "sqliteInbox", "postgresInbox", "WebhookVerificationError"],
  },
  "./graphql": { src: "../../src/graphql/index.ts", names: ["graphql", "GraphQLError"] },
  "./providers": { src: "../../src/providers/index.ts", names: ["stripe", "twilio", "sendgrid"] },
  "./testing": { src: "../../src/testing/index.ts", names: ["createApiSimulator", "createFakeClock"] },
  "./telemetry": { src: "../../src/middleware/telemetry/telemetry.ts", names: ["telemetry"] },
};

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  exports: Record<string, { default: string; types: string } | string>;
  bin: Record<string, string>;
};

describe("package contract", () => {
  it.each(Object.entries(CONTRACT))("%s exports the names DESIGN.md promises", async (subpath, { src, names }) => {
    const mod = (await import(src)) as Record<string, unknown>;
    for (const name of names) expect(mod[name], `${subpath} should export ${name}`).toBeDefined();
    const target = pkg.exports[subpath];
    expect(typeof target === "object" && target.default).toBe(src.replace("../../src/", "./dist/").replace(/\.ts$/, ".js"));
  });

  it("maps every export and the bin to a source file that exists", () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue;
      const src = new URL(`.${target.default.replace("./dist/", "/src/").replace(/\.js$/, ".ts")}`, new URL("../../", import.meta.url));
      expect(existsSync(src), `${subpath} → ${src.pathname}`).toBe(true);
    }
    expect(existsSync(new URL("../../src/cli/main.ts", import.meta.url))).toBe(true);
    expect(pkg.bin.ballast).toBe("./dist/cli/main.js");
  });
});
