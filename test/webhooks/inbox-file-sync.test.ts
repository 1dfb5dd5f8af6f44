import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFileSync } from "../../src/webhooks/inbox/file-sync.js";

const dir = mkdtempSync(join(tmpdir(), "ballast-file-sync-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, "data");
  return path;
}

describe("createFileSync", () => {
  it("resolves sync() after an fsync of the file", async () => {
    const f = createFileSync(file("one"));
    await f.sync();
    expect(f.count).toBe(1);
    f.close();
  });

  it("callers arriving while an fsync runs share the next one", async () => {
    const f = createFileSync(file("many"));
    const first = f.sync(); // starts an fsync at once
    const rest = Array.from({ length: 99 }, () => f.sync()); // wait for the next one to start
    await Promise.all([first, ...rest]);
    expect(f.count).toBe(2);
    f.close();
  });

  it("never counts an fsync that started before the call", async () => {
    const f = createFileSync(file("order"));
    const seen: number[] = [];
    const a = f.sync().then(() => seen.push(f.count));
    const b = f.sync().then(() => seen.push(f.count));
    await Promise.all([a, b]);
    expect(seen).toEqual([1, 2]);
    f.close();
  });

  it("refuses sync() after close", async () => {
    const f = createFileSync(file("closed"));
    f.close();
    await expect(f.sync()).rejects.toThrow(/closed/);
  });
});
