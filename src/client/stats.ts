import type { Clock } from "../clock.js";
import { isApiError } from "../errors.js";
import type { Middleware } from "../types.js";

const SAMPLES = 1024;

/** Counters for one route (`GET /users/:id`). */
export interface RouteStats {
  requests: number;
  /** Calls that ended in an error: an HTTP status >= 400 or a thrown error. */
  errors: number;
  errorRate: number;
  /** Final outcomes by class: "2xx", "4xx", "5xx", or an error code such as "BALLAST_TIMEOUT". */
  outcomes: Record<string, number>;
  /** Latency percentiles in ms over the last 1024 calls. */
  latency: { p50: number; p90: number; p99: number; max: number };
}

class RouteRecorder {
  requests = 0;
  errors = 0;
  outcomes: Record<string, number> = {};
  private samples = new Float64Array(SAMPLES);
  private filled = 0;
  private cursor = 0;

  record(outcome: string, failed: boolean, ms: number): void {
    this.requests++;
    if (failed) this.errors++;
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    this.samples[this.cursor] = ms;
    this.cursor = (this.cursor + 1) % SAMPLES;
    if (this.filled < SAMPLES) this.filled++;
  }

  snapshot(): RouteStats {
    const sorted = this.samples.slice(0, this.filled).sort();
    const at = (q: number) => (this.filled === 0 ? 0 : (sorted[Math.min(this.filled - 1, Math.floor(q * this.filled))] as number));
    return {
      requests: this.requests,
      errors: this.errors,
      errorRate: this.requests === 0 ? 0 : this.errors / this.requests,
      outcomes: { ...this.outcomes },
      latency: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: this.filled === 0 ? 0 : (sorted[this.filled - 1] as number) },
    };
  }
}

/** Per-route call statistics, recorded by a middleware at the outer edge of the pipeline. */
export class StatsRecorder {
  private routes = new Map<string, RouteRecorder>();
  constructor(private clock: Clock) {}

  private route(key: string): RouteRecorder {
    let r = this.routes.get(key);
    if (r === undefined) {
      r = new RouteRecorder();
      this.routes.set(key, r);
    }
    return r;
  }

  readonly middleware: Middleware = (req, next) => {
    const started = this.clock.now();
    const key = `${req.method} ${req.route}`;
    return next(req).then(
      (res) => {
        const cls = `${Math.floor(res.status / 100)}xx`;
        this.route(key).record(cls, res.status >= 400, this.clock.now() - started);
        return res;
      },
      (err) => {
        this.route(key).record(isApiError(err) ? err.code : "error", true, this.clock.now() - started);
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
