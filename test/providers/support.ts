import { type HttpError, isHttpError } from "../../src/index.js";

/** What a call fails with; a call that succeeds fails the test. */
export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail");
}

/** The `HttpError` a call fails with; any other outcome fails the test. */
export async function httpFailure(promise: Promise<unknown>): Promise<HttpError> {
  const error = await failureOf(promise);
  if (!isHttpError(error)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}
