import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import type { Client } from "../../client/create-client.js";
import type { ParamObject } from "../../client/params.js";
import type { PaginationStrategy } from "../../pagination/types.js";
import type { Output } from "../output.js";
import { progressBar } from "../progress.js";
import type { CallCounters } from "./client.js";

export interface ExportOptions {
  path: string;
  strategy: PaginationStrategy;
  query: ParamObject | URLSearchParams;
  headers: Record<string, string>;
  maxItems?: number | undefined;
  /** A file to write the JSON Lines to (default stdout). */
  out?: string | undefined;
}

export interface ExportResult {
  items: number;
  pages: number;
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, "drain");
}

/**
 * Follows every page through the client's pipeline and writes each item as
 * one JSON line, stopping exactly at `maxItems`. A progress bar runs on stderr
 * when it is a terminal.
 */
export async function exportAll(client: Client, options: ExportOptions, output: Output, counters: CallCounters): Promise<ExportResult> {
  const file = options.out === undefined ? undefined : createWriteStream(options.out);
  if (file) await once(file, "open");
  const sink: Writable = file ?? output.stdout;
  const bar = progressBar(output.stderr, counters, options.maxItems);
  const done: ExportResult = { items: 0, pages: 0 };
  const max = options.maxItems ?? Number.POSITIVE_INFINITY;
  try {
    for await (const pg of client.pages(options.path, {
      strategy: options.strategy,
      query: options.query,
      headers: options.headers,
      maxItems: options.maxItems,
    })) {
      done.pages++;
      for (const item of pg.items) {
        if (done.items >= max) break;
        await write(sink, `${JSON.stringify(item)}\n`);
        done.items++;
      }
      bar.update(done);
      if (done.items >= max) break;
    }
  } finally {
    bar.stop();
    if (file) {
      file.end();
      await once(file, "close");
    }
  }
  return done;
}
