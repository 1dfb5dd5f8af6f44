import type { Readable } from "node:stream";

const ignore = () => {};

/**
 * A time limit for one request, enforced exactly, that undici accepts as its
 * `signal` (it takes any EventTarget-like object): one timer, no
 * AbortController, no event machinery. When the timer fires (or the caller's
 * own signal aborts) undici aborts the request with `reason` — before the
 * headers, or in the middle of the body, however slowly it trickles.
 */
export class Wall {
  aborted = false;
  reason: unknown = undefined;
  private listener: (() => void) | undefined = undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onParentAbort: (() => void) | undefined = undefined;

  constructor(
    ms: number,
    expired: () => unknown,
    private readonly parent: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => this.abort(expired()), ms);
    this.timer.unref();
    if (parent !== undefined) {
      if (parent.aborted) this.abort(parent.reason);
      else {
        this.onParentAbort = () => this.abort(parent.reason);
        parent.addEventListener("abort", this.onParentAbort, { once: true });
      }
    }
  }

  addEventListener(_type: "abort", listener: () => void): void {
    this.listener = listener;
  }

  removeEventListener(_type: "abort", _listener: () => void): void {
    this.listener = undefined;
  }

  private abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.stop();
    this.listener?.();
  }

  /** Stops the timer and the caller's listener (the request finished). */
  stop(): void {
    clearTimeout(this.timer);
    if (this.onParentAbort !== undefined) this.parent?.removeEventListener("abort", this.onParentAbort);
  }

  /** Keeps the limit running until `body` is read to the end, destroyed or failed. */
  until(body: Readable): void {
    if (body.destroyed || body.closed) this.stop();
    else {
      // A caller cancelling the stream (`destroy()`) makes undici emit an abort error: with no listener it would be thrown before "close".
      body.on("error", ignore).once("close", () => this.stop());
    }
  }
}
