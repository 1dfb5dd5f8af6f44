import type { Writable } from "node:stream";
import cliProgress from "cli-progress";
import { plural } from "./output.js";
import type { CallCounters } from "./request/client.js";

/** What an export has done so far. */
export interface ExportProgress {
  items: number;
  pages: number;
}

export interface ProgressBar {
  update(progress: ExportProgress): void;
  stop(): void;
}

/** One status line: items (of the total when known), pages, rate, retries, rate-limit waits. */
export function progressLine(progress: ExportProgress, counters: CallCounters, elapsedMs: number, total: number | undefined): string {
  const rate = elapsedMs > 0 ? Math.round((progress.items * 1000) / elapsedMs) : 0;
  const items = total === undefined ? plural(progress.items, "item") : `${progress.items}/${total} items`;
  return `${items} | ${plural(progress.pages, "page")} | ${rate} items/s | ${plural(counters.retries, "retry", "retries")} | ${plural(counters.rateLimitWaits, "rate-limit wait")}`;
}

/**
 * A progress bar on a terminal stream (cli-progress), redrawn at most 10
 * times a second. `total` (e.g. `--max-items`) draws a bar; without it only
 * the counts show. On a stream that is not a terminal it draws nothing.
 */
export function progressBar(stream: Writable & { isTTY?: boolean }, counters: CallCounters, total?: number): ProgressBar {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const started = Date.now();
  let current: ExportProgress = { items: 0, pages: 0 };
  const bar = new cliProgress.SingleBar({
    stream,
    fps: 10,
    hideCursor: true,
    clearOnComplete: false,
    format: (options, params) => {
      const text = progressLine(current, counters, Date.now() - started, total);
      if (total === undefined) return `export | ${text}`;
      const size = options.barsize ?? 30;
      const done = Math.round(params.progress * size);
      return `[${"=".repeat(done)}${"-".repeat(size - done)}] ${text}`;
    },
    barsize: 30,
  });
  bar.start(total ?? 1, 0);
  return {
    update(progress) {
      current = progress;
      bar.update(total === undefined ? 0 : Math.min(progress.items, total));
    },
    stop() {
      bar.update(total === undefined ? 0 : Math.min(current.items, total));
      bar.stop();
    },
  };
}
