import { Readable } from "node:stream";

export type Buffered = { complete: true; data: Buffer } | { complete: false; body: Readable };

/**
 * Reads `body` into memory while it stays within `limit` bytes. Past the
 * limit (or on a read error) it gives back a stream that replays what was
 * read and continues with the rest, so the caller sees the same bytes and the
 * same error it would have seen without the cache.
 */
export async function bufferUpTo(body: Readable, limit: number): Promise<Buffered> {
  const chunks: Buffer[] = [];
  let size = 0;
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) return { complete: true, data: Buffer.concat(chunks, size) };
      const chunk = typeof r.value === "string" ? Buffer.from(r.value) : r.value;
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) return { complete: false, body: Readable.from(replay(chunks, it), { objectMode: false }) };
    }
  } catch (err) {
    return { complete: false, body: Readable.from(replay(chunks, it, err), { objectMode: false }) };
  }
}

async function* replay(chunks: Buffer[], it: AsyncIterator<Buffer | string>, error?: unknown): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
    if (error !== undefined) throw error;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield typeof r.value === "string" ? Buffer.from(r.value) : r.value;
    }
  } finally {
    // The consumer stopped early: release the source.
    await it.return?.();
  }
}

/** A fresh readable body over cached bytes (one per response: each caller reads its own). */
export function bodyFrom(data: Buffer): Readable {
  return Readable.from([data], { objectMode: false });
}
