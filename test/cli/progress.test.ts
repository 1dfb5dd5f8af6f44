import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { progressBar, progressLine } from "../../src/cli/progress.js";

/** A stream that says it is a terminal and keeps what is written. */
function terminal(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text(): string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as Writable & { isTTY: boolean; columns: number; text(): string; cursorTo?: unknown; clearLine?: unknown };
  stream.isTTY = isTTY;
  stream.columns = 160;
  stream.cursorTo = (_x: number, _y: unknown, cb?: () => void) => cb?.();
  stream.clearLine = (_d: number, cb?: () => void) => cb?.();
  stream.text = () => text;
  return stream;
}

describe("the export progress bar", () => {
  it("shows items (of the total when known), pages, rate, retries and rate-limit waits", () => {
    expect(progressLine({ items: 120, pages: 3 }, { retries: 1, rateLimitWaits: 2 }, 1000, 250)).toBe(
      "120/250 items | 3 pages | 120 items/s | 1 retry | 2 rate-limit waits",
    );
    expect(progressLine({ items: 1, pages: 1 }, { retries: 0, rateLimitWaits: 1 }, 500, undefined)).toBe(
      "1 item | 1 page | 2 items/s | 0 retries | 1 rate-limit wait",
    );
  });

  it("draws on a terminal and ends with the final counts", () => {
    const stream = terminal(true);
    const counters = { retries: 2, rateLimitWaits: 0 };
    const bar = progressBar(stream, counters, 100);
    bar.update({ items: 50, pages: 2 });
    bar.update({ items: 100, pages: 4 });
    bar.stop();
    expect(stream.text()).toContain("100/100 items | 4 pages");
    expect(stream.text()).toContain("2 retries");
    expect(stream.text()).toContain("=".repeat(30));
  });

  it("draws nothing when the stream is not a terminal", () => {
    const stream = terminal(false);
    const bar = progressBar(stream, { retries: 0, rateLimitWaits: 0 });
    bar.update({ items: 5, pages: 1 });
    bar.stop();
    expect(stream.text()).toBe("");
  });
});
