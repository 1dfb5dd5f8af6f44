import { ConfigError } from "../errors.js";
import { compilePathTemplate, type PathMatcher } from "./path-template.js";
import { type EncodedReply, encodeReply } from "./reply.js";
import type { Reply, ReplyHandler, RouteOptions, RouteReply, SimRequest } from "./types.js";

/** A registered route: what it answers, and what it has seen. */
export class SimRoute {
  readonly method: string;
  readonly path: string;
  /** The idempotency header (lower case) when the route honours idempotency keys. */
  readonly idempotencyHeader: string | undefined;
  /** The answer to a reused or in-flight idempotency key, when the route gives its own. */
  readonly idempotencyConflict: ((kind: "mismatch" | "in-flight") => Reply) | undefined;
  /** Requests routed here (including idempotent replays; not those a rate limit rejected first). */
  readonly requests: SimRequest[] = [];
  readonly match: PathMatcher;
  #calls = 0;
  #runs = 0;
  #effects = 0;
  readonly #script: readonly EncodedReply[] | undefined;
  readonly #handler: ReplyHandler | undefined;
  readonly #log: boolean;
  readonly #onRemove: (route: SimRoute) => void;

  constructor(method: string, path: string, reply: RouteReply, options: RouteOptions, log: boolean, onRemove: (route: SimRoute) => void) {
    this.method = method === "*" ? "*" : method.toUpperCase();
    this.path = path;
    this.match = compilePathTemplate(path);
    const idem = options.idempotency;
    this.idempotencyHeader = idem ? (typeof idem === "object" && idem.header ? idem.header.toLowerCase() : "idempotency-key") : undefined;
    this.idempotencyConflict = typeof idem === "object" ? idem.conflict : undefined;
    if (typeof reply === "function") this.#handler = reply;
    else {
      const replies = Array.isArray(reply) ? reply : [reply as Exclude<RouteReply, readonly unknown[] | ReplyHandler>];
      if (replies.length === 0) throw new ConfigError("reply", `of route ${method} ${path} must hold at least one reply`);
      this.#script = replies.map(encodeReply);
    }
    this.#log = log;
    this.#onRemove = onRemove;
  }

  /** Requests routed here. */
  get calls(): number {
    return this.#calls;
  }

  /**
   * Requests the server acted on: answers with a status below 500 other than 429 (4xx included: a declined
   * charge is a result), and faulted answers that carry a status or body (processed, then the connection was
   * lost). 5xx, 429, bare connection faults, handler errors, idempotent replays, idempotency conflicts and
   * rate-limited requests do not count. The number to check when a retry must not charge twice.
   */
  get effects(): number {
    return this.#effects;
  }

  /** Times the handler ran or a script entry was used, whatever it answered (errors and faults included). */
  get runs(): number {
    return this.#runs;
  }

  /** Clears counters and the log, and restarts the script. */
  reset(): void {
    this.#calls = 0;
    this.#runs = 0;
    this.#effects = 0;
    this.requests.length = 0;
  }

  /** Unregisters the route. */
  remove(): void {
    this.#onRemove(this);
  }

  /** Counts and logs a request routed here. */
  record(req: SimRequest): void {
    this.#calls++;
    if (this.#log) this.requests.push(req);
  }

  /** Runs the handler, or takes the next script entry (the last one repeats); counts it as an effect when it is one. */
  async run(req: SimRequest): Promise<EncodedReply> {
    const index = this.#runs++;
    const reply = this.#script ? this.#script[Math.min(index, this.#script.length - 1)]! : encodeReply(await this.#handler!(req));
    if (isEffect(reply)) this.#effects++;
    return reply;
  }
}

/**
 * Whether the server acted on the request that got this reply: a committed result (the same rule decides
 * what an idempotency key stores).
 */
export function isEffect(reply: EncodedReply): boolean {
  if (reply.status >= 500 || reply.status === 429) return false;
  return reply.fault === undefined || reply.hasOutcome;
}
