/** Clients that send a request slowly over a raw socket: for body and header deadlines that fetch cannot exercise. */
import net from "node:net";

export interface SlowAnswer {
  /** The status line's code, or undefined when the server closed without answering. */
  status: number | undefined;
  /** The raw response text. */
  text: string;
  /** ms from the moment the slow part started until the server answered (or closed). */
  answeredAfter: number;
  /** ms from the same moment until the server closed the connection. */
  closedAfter: number;
  /** Bytes of the slow part written before the answer came. */
  sentBeforeAnswer: number;
}

/**
 * Writes `head` at once, then `slow` one byte every `everyMs`, until the
 * server answers and closes (or `giveUpMs` passes: then the socket is
 * destroyed and the answer says what was seen). Resolves once closed.
 */
export function trickle(origin: string, head: string, slow: string | Buffer, options: { everyMs: number; giveUpMs: number }): Promise<SlowAnswer> {
  const { port, hostname } = new URL(origin);
  const bytes = Buffer.from(slow);
  return new Promise((resolve) => {
    let text = "";
    let sent = 0;
    let sentBeforeAnswer: number | undefined;
    let answeredAt: number | undefined;
    let start = 0;
    let tick: NodeJS.Timeout | undefined;
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(head);
      start = performance.now();
      const next = () => {
        if (sent >= bytes.length || socket.destroyed || socket.writableEnded) return;
        socket.write(bytes.subarray(sent, sent + 1));
        sent++;
        tick = setTimeout(next, options.everyMs);
      };
      next();
    });
    const giveUp = setTimeout(() => socket.destroy(), options.giveUpMs);
    socket.on("data", (d) => {
      if (answeredAt === undefined) {
        answeredAt = performance.now();
        sentBeforeAnswer = sent;
      }
      text += d.toString();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(tick);
      clearTimeout(giveUp);
      const closedAt = performance.now();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({
        status: status === undefined ? undefined : Number(status),
        text,
        answeredAfter: (answeredAt ?? closedAt) - start,
        closedAfter: closedAt - start,
        sentBeforeAnswer: sentBeforeAnswer ?? sent,
      });
    });
  });
}

/** A POST's request line and headers (ending in the blank line), for `trickle`. */
export function requestHead(path: string, headers: Record<string, string>, contentLength: number): string {
  const lines = [`POST ${path} HTTP/1.1`, "host: 127.0.0.1", `content-length: ${contentLength}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}
