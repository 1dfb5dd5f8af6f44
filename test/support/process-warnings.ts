/**
 * Process warnings of one code, caught for a test's assertions and kept off
 * stderr — what `node --disable-warning=CODE` does, for tests that cause such
 * warnings on purpose. Node prints warnings from a `warning` listener of its
 * own: while the tests run, every listener there was sees the other warnings only.
 */
import { afterAll, afterEach, beforeAll } from "vitest";

type WarningListener = (warning: Error) => void;

/** Call inside a `describe` (or at the top of a file): `caught` holds the warnings of `code` since the test began. */
export function useProcessWarnings(code: string): { readonly caught: Error[] } {
  const caught: Error[] = [];
  let others: WarningListener[] = [];
  const listen = (warning: Error & { code?: unknown }) => {
    if (warning.code === code) caught.push(warning);
    else for (const l of others) l.call(process, warning);
  };
  beforeAll(() => {
    others = process.listeners("warning") as WarningListener[];
    process.removeAllListeners("warning");
    process.on("warning", listen);
  });
  afterAll(() => {
    process.off("warning", listen);
    for (const l of others) process.on("warning", l);
    others = [];
  });
  afterEach(() => {
    caught.length = 0;
  });
  return { caught };
}
