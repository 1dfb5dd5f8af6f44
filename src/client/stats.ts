import type { Clock } from "../clock.js";
import { isApiError } from "../errors.js";
import type { Middleware } from "../types.js";
import { type CallTiming, newCallTiming, timingOf, withTiming } from "../util/call-timing.js";

const SAMPLES = 1024;

/** Counters for one route (`GET /users/:id`). */
export interface RouteStats {
  requests: number;
  /** Calls that ended in an error: an HTTP status >= 400 or a thrown error. */
  errors: number;
  errorRate: number;
  /** Final outcomes by class: "2xx", "4xx", "5xx", or an error code such as "BALLAST_TIMEOUT". */
  outcomes: Record<string, number>;
  /** Whole calls, start to end, in ms over the last 1024 calls: the API's time plus queueing, retries and backoff. */
  latency: Percentiles;
  /**
   * The API's own latency, in ms, of each call's last attempt that got an answer (last 1024):
   * sending to its response headers (`firstByte`) and to the end of its body (`complete`).
   */
  api: { firstByte: Percentiles; complete: Percentiles };
  /**
   * Time calls spent queued on this side, in ms (last 1024 calls): waiting for a rate-limit slot,
   * a concurrency permit and retry backoff together; and since start, the total of each.
   */
  queue: Percentiles & { rateLimitMs: number; concurrencyMs: number; backoffMs: number };
}

/** Percentiles of a series, in ms. */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The last 1024 values of one series. */
class Samples {
  private values = new Float64Array(SAMPLES);
  private filled = 0;
  private cursor = 0;

  add(v: number): void {
    this.values[this.cursor] = v;
    this.cursor = (this.cursor + 1) % SAMPLES;
    if (this.filled < SAMPLES) this.filled++;
  }

  percentiles(): Percentiles {
    const n = this.filled;
    const sorted = this.values.slice(0, n).sort();
    const at = (q: number) => (n === 0 ? 0 : (sorted[Math.min(n - 1, Math.floor(q * n))] as number));
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: n === 0 ? 0 : (sorted[n - 1] as number) };
  }
}

class RouteRecorder {
  requests = 0;
  errors = 0;
  outcomes: Record<string, number> = {};
  private latency = new Samples();
  private firstByte = new Samples();
  private complete = new Samples();
  private queued = new Samples();
  private rateLimitMs = 0;
  private concurrencyMs = 0;
  private backoffMs = 0;

  record(outcome: string, failed: boolean, ms: number, t: CallTiming): void {
    this.requests++;
    if (failed) this.errors++;
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    this.latency.add(ms);
    this.queued.add(t.rateLimitMs + t.concurrencyMs + t.backoffMs);
    this.rateLimitMs += t.rateLimitMs;
    this.concurrencyMs += t.concurrencyMs;
    this.backoffMs += t.backoffMs;
    if (t.firstByteMs !== undefined) this.firstByte.add(t.firstByteMs);
    if (t.completeMs !== undefined) this.complete.add(t.completeMs);
  }

  snapshot(): RouteStats {
    return {
      requests: this.requests,
      errors: this.errors,
      errorRate: this.requests === 0 ? 0 : this.errors / this.requests,
      outcomes: { ...this.outcomes },
      latency: this.latency.percentiles(),
      api: { firstByte: this.firstByte.percentiles(), complete: this.complete.percentiles() },
      queue: { ...this.queued.percentiles(), rateLimitMs: this.rateLimitMs, concurrencyMs: this.concurrencyMs, backoffMs: this.backoffMs },
    };
  }
}

/** "1xx" … "5xx" by `status / 100`, so recording a call builds no string. */
const STATUS_CLASSES = Array.from({ length: 10 }, (_, i) => `${i}xx`);

const statusClass = (status: number): string => STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`;

/** Per-route call statistics, recorded by a middleware at the outer edge of the pipeline. */
export class StatsRecorder {
  /** By `METHOD route`, in the order routes were first seen. */
  private routes = new Map<string, RouteRecorder>();
  /** The same recorders by route, then method: found without building the `METHOD route` string per call. */
  private byRoute = new Map<string, Map<string, RouteRecorder>>();
  constructor(private clock: Clock) {}

  private route(method: string, route: string): RouteRecorder {
    let methods = this.byRoute.get(route);
    if (methods === undefined) {
      methods = new Map();
      this.byRoute.set(route, methods);
    }
    let r = methods.get(method);
    if (r === undefined) {
      const key = `${method} ${route}`;
      r = this.routes.get(key);
      if (r === undefined) {
        r = new RouteRecorder();
        this.routes.set(key, r);
      }
      methods.set(method, r);
    }
    return r;
  }

  readonly middleware: Middleware = (req, next) => {
    const started = this.clock.now();
    const { method, route } = req;
    // The record the request builder left in a new call's context (observeCall's publishes it too); a request sent
    // again, or through a second client, gets a fresh one (on a copy).
    let timing = timingOf(req);
    if (timing === undefined || timing.claimed) {
      timing = newCallTiming();
      req = withTiming(req, timing);
    }
    timing.claimed = true;
    const t = timing;
    return next(req).then(
      (res) => {
        this.route(method, route).record(statusClass(res.status), res.status >= 400, this.clock.now() - started, t);
        return res;
      },
      (err) => {
        this.route(method, route).record(isApiError(err) ? err.code : "error", true, this.clock.now() - started, t);
        throw err;
      },
    );
  };

  snapshot(): Record<string, RouteStats> {
    const out: Record<string, RouteStats> = {};
    for (const [k, r] of this.routes) out[k] = r.snapshot();
    return out;
  }
}
