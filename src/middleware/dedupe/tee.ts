import { PassThrough, type Readable } from "node:stream";

/**
 * Splits one body into `n` readable copies. Backpressure holds: the source
 * flows only as fast as the slowest copy that is still open (a destroyed copy
 * is unpiped and stops counting). When every copy is closed early the source
 * is destroyed, releasing its socket; a source error reaches every copy.
 */
export function tee(source: Readable, n: number): Readable[] {
  const copies = Array.from({ length: n }, () => new PassThrough());
  let open = n;
  let ended = false;
  source.once("end", () => {
    ended = true;
  });
  source.once("error", (err) => {
    for (const c of copies) c.destroy(err);
  });
  for (const copy of copies) {
    source.pipe(copy);
    copy.once("close", () => {
      if (--open === 0 && !ended) source.destroy();
    });
  }
  return copies;
}
