import { type HttpError, isHttpError } from "../../src/index.js";

/** The `HttpError` a call fails with; any other outcome fails the test. */
export async function httpFailure(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHttpError(error)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}
