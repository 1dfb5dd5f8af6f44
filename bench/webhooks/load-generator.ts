/**
 * A lean HTTP/1.1 load generator for the webhook receiver benchmark, run as a
 * separate process: keep-alive sockets from node:net, one request in flight
 * per connection, each request a unique signed 2 KB Stripe event written as
 * raw bytes, responses parsed just far enough to read the status and skip the
 * body. It spends a few µs per request, where a full HTTP client (undici's
 * Pool) spent tens and became the ceiling of the measurement on 2 cores.
 *
 * Started by bench/suites/webhooks-receiver.ts with fork(); reports over IPC:
 * `{ phase: "start" }` and `{ phase: "end" }` around the measured window,
 * then the result.
 */
import { createHmac } from "node:crypto";
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";

export interface LoadSettings {
  url: string;
  secret: string;
  connections: number;
  warmupMs: number;
  measureMs: number;
}

/** What the generator measured; the receiver counts its acknowledgements itself. */
export interface LoadResult {
  failed: number;
  p50: number;
  p99: number;
}

const PAD = "x".repeat(1900);
const CRLF2 = Buffer.from("\r\n\r\n");

/** A unique event and its Stripe signature (`t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">`), as request bytes. */
export function signedRequest(host: string, secret: string, id: string): Buffer {
  const body = `{"id":"${id}","type":"invoice.paid","object":"event","data":{"object":{"id":"in_${id}","pad":"${PAD}"}}}`;
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  return Buffer.from(
    `POST /hooks HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\nstripe-signature: t=${t},v1=${v1}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Reads one response at a time from a keep-alive socket; resolves with its status. */
export class ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | undefined;
  private failing: ((error: Error) => void) | undefined;

  constructor(socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.drain();
    });
    socket.on("error", (e) => this.failing?.(e));
    socket.on("close", () => this.failing?.(new Error("connection closed")));
  }

  next(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failing = reject;
      this.drain();
    });
  }

  private drain(): void {
    if (this.waiting === undefined) return;
    const end = this.buf.indexOf(CRLF2);
    if (end < 0) return;
    const head = this.buf.toString("latin1", 0, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const total = end + 4 + (m ? Number(m[1]) : 0);
    if (this.buf.length < total) return;
    this.buf = this.buf.subarray(total);
    const resolve = this.waiting;
    this.waiting = undefined;
    this.failing = undefined;
    resolve(status);
  }
}

export async function generateLoad(s: LoadSettings, report: (m: unknown) => void): Promise<LoadResult> {
  const { hostname, port, host } = new URL(s.url);
  const prefix = `${process.pid}_${Date.now().toString(36)}`;
  const latencies: number[] = [];
  let seq = 0;
  let failed = 0;
  let measuring = false;
  let stop = false;

  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port), noDelay: true }, () => resolve(socket));
      socket.once("error", reject);
    });

  const connection = async () => {
    while (!stop) {
      let socket: Socket;
      try {
        socket = await open();
      } catch {
        if (measuring) failed++;
        continue;
      }
      const reader = new ResponseReader(socket);
      try {
        while (!stop) {
          const bytes = signedRequest(host, s.secret, `evt_${prefix}_${seq++}`);
          const t0 = performance.now();
          socket.write(bytes);
          const status = await reader.next();
          if (!measuring) continue;
          if (status === 200) latencies.push(performance.now() - t0);
          else failed++;
        }
      } catch {
        if (measuring) failed++;
      } finally {
        socket.destroy();
      }
    }
  };

  const running = Array.from({ length: s.connections }, connection);
  await new Promise((r) => setTimeout(r, s.warmupMs));
  measuring = true;
  report({ phase: "start" });
  await new Promise((r) => setTimeout(r, s.measureMs));
  measuring = false;
  report({ phase: "end" });
  stop = true;
  await Promise.all(running);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return { failed, p50: q(0.5), p99: q(0.99) };
}

if (process.env.BALLAST_WEBHOOK_LOAD) {
  const settings = JSON.parse(process.env.BALLAST_WEBHOOK_LOAD) as LoadSettings;
  generateLoad(settings, (m) => process.send?.(m)).then(
    (result) => {
      process.send?.(result);
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
