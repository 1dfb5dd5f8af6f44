import { ConfigError } from "../errors.js";
import { compilePathTemplate, type PathMatcher } from "./path-template.js";
import { type EncodedReply, encodeReply } from "./reply.js";
import type { Reply, SimRequest } from "./types.js";

/** Which requests an injected reply answers, and how many. */
export interface InjectOptions {
  /** How many matching requests get the injected reply (default 1); `Infinity` until removed. */
  times?: number;
  /** Only requests with this method (default: any). */
  method?: string;
  /** Only requests whose path matches this template (`/v1/customers/:id`; default: any). */
  path?: string;
  /**
   * `"before"` (default): answer instead of the route, which never runs. `"after"`: the route runs (its effect
   * happens, an idempotency key is stored), then the injected reply goes out instead of its answer — with
   * `fault: "reset"`, a write that succeeded on the server while the client saw the connection drop.
   */
  when?: "before" | "after";
}

/** An injected reply still armed; `remove()` disarms it early. */
export interface Injection {
  /** Requests it has answered so far. */
  readonly used: number;
  remove(): void;
}

/** The injected replies of one simulator, checked in the order they were added. */
export class Injections {
  readonly #armed: Armed[] = [];

  add(reply: EncodedReply, options: InjectOptions): Injection {
    const times = options.times ?? 1;
    if (!(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times >= 1)))
      throw new ConfigError("inject.times", `must be a positive integer or Infinity; got ${times}`);
    const when = options.when ?? "before";
    if (when !== "before" && when !== "after") throw new ConfigError("inject.when", `must be "before" or "after"; got ${String(when)}`);
    const armed: Armed = {
      reply,
      left: times,
      used: 0,
      when,
      method: options.method?.toUpperCase(),
      path: options.path === undefined ? undefined : compilePathTemplate(options.path),
    };
    this.#armed.push(armed);
    const list = this.#armed;
    return {
      get used() {
        return armed.used;
      },
      remove() {
        const i = list.indexOf(armed);
        if (i !== -1) list.splice(i, 1);
      },
    };
  }

  /** The reply injected for this request at this stage, if any (counting it as used). */
  take(req: SimRequest, when: "before" | "after"): EncodedReply | undefined {
    if (this.#armed.length === 0) return undefined;
    const i = this.#armed.findIndex(
      (a) => a.when === when && (a.method === undefined || a.method === req.method) && (a.path === undefined || a.path(req.path)),
    );
    if (i === -1) return undefined;
    const armed = this.#armed[i]!;
    armed.used++;
    if (--armed.left <= 0) this.#armed.splice(i, 1);
    return armed.reply;
  }

  clear(): void {
    this.#armed.length = 0;
  }
}

interface Armed {
  reply: EncodedReply;
  left: number;
  used: number;
  when: "before" | "after";
  method: string | undefined;
  path: PathMatcher | undefined;
}

/** A status alone becomes the reply `errorReply` gives for it (the dialect's error shape), else an empty one. */
export function injectedReply(reply: number | Reply, errorReply: ((status: number) => Reply) | undefined): EncodedReply {
  if (typeof reply === "number") return encodeReply(errorReply ? { ...errorReply(reply), status: reply } : { status: reply });
  return encodeReply(reply);
}
