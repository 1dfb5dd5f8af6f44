import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli, useCli } from "./support/built-cli.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

useCli();

describe("ballast (the built CLI)", () => {
  it("prints the package.json version", async () => {
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("lists every command in --help and exits 0", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: ballast/);
    expect(r.stdout).toMatch(/\bdemo\b/);
  });

  it("exits 2 on an unknown command, with a hint on stderr", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(r.stdout).toBe("");
  });

  it("exits 2 when no command is given", async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: ballast/);
  });

  it("has --help on the demo command", async () => {
    const r = await runCli(["demo", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: ballast demo/);
  });
});
