import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { requirePeer } from "../../src/peers/load.js";

describe("requirePeer", () => {
  it("loads an installed peer on demand", () => {
    expect(requirePeer<typeof Database>("better-sqlite3", "sqliteInbox")).toBe(Database);
  });

  it("names the feature and the install command when the peer is missing, keeping the cause", () => {
    let error: unknown;
    try {
      requirePeer("ballast-peer-that-is-not-installed", "someFeature");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "BALLAST_CONFIG", option: "someFeature" });
    expect((error as Error).message).toContain("npm install ballast-peer-that-is-not-installed");
    expect((error as Error).cause).toMatchObject({ code: "MODULE_NOT_FOUND" });
  });
});
