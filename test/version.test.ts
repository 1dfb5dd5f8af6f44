import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { DEFAULT_USER_AGENT } from "../src/client/options.js";
import { VERSION } from "../src/version.js";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

it("takes the version from package.json, for the default user-agent too", () => {
  expect(VERSION).toBe(pkg.version);
  expect(DEFAULT_USER_AGENT).toBe(`ballast/${pkg.version} node/${process.versions.node}`);
});
