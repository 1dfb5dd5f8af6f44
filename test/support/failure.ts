/**
 * What a call fails with; a call that succeeds fails the test. Pass a function when the call may also throw
 * before it returns a promise.
 */
export async function failureOf(call: Promise<unknown> | (() => Promise<unknown>)): Promise<unknown> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail");
}

/** What a synchronous call throws, or undefined when it returns. */
export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}
