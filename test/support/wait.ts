/**
 * Waits on a condition instead of a fixed sleep: polls `condition` until it
 * returns true (or a truthy value, which is returned), and fails loudly with
 * `what` once `timeout` ms have passed. A condition that throws is polled again
 * until the deadline, then its last error is the cause.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: { timeout?: number; interval?: number; what?: string } = {},
): Promise<Exclude<T, false | 0 | "" | null | undefined>> {
  const timeout = options.timeout ?? 5000;
  const interval = options.interval ?? 10;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as Exclude<T, false | 0 | "" | null | undefined>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${options.what ?? "a condition"}`, lastError === undefined ? undefined : { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
