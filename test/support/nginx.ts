/**
 * nginx as a judge no one here wrote: a real `limit_req` (leaky bucket) and
 * `limit_conn` in front of a loopback upstream, with an access log of every
 * request's time, status and worker; `/warmup` passes unjudged, so clients can
 * open their connections before a measured run. Locally, without nginx the suite is
 * skipped loudly; under CI=true that is a failure (.ci/run installs nginx-light).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";
import { freePort } from "./ports.js";
import { waitFor } from "./wait.js";

const NGINX = ["/usr/sbin/nginx", "nginx"].find((bin) => {
  try {
    execFileSync(bin, ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
});

/**
 * nginx reads its clock once per turn of its event loop: starved of CPU (a
 * fleet of 16 processes on 2 cores), it would stamp requests that arrived
 * over tens of milliseconds with one time and see a burst that never was.
 * Under round-robin real-time scheduling (`chrt`, root) it reads each request
 * as it comes; it only waits on sockets, so it takes no CPU from others.
 * Without the privilege the judge runs at normal priority.
 */
const REALTIME = (() => {
  try {
    execFileSync("chrt", ["--rr", "10", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

type Describe = typeof describe;
function gate(): Describe {
  if (NGINX !== undefined) return describe;
  if (process.env.CI === "true") throw new Error("nginx is missing; under CI=true this is a failure (.ci/run installs nginx-light)");
  console.warn("\n!!! SKIPPING nginx-judged SUITE: nginx is not installed (apt-get install nginx-light). !!!\n");
  return describe.skip as unknown as Describe;
}

/** `describe` when nginx is installed; skipped loudly otherwise (a failure under CI). */
export const describeNginx: Describe = gate();

export interface NginxJudgeOptions {
  /** `limit_req` rate in requests per second (one zone for the whole server). */
  rate?: number;
  /** `limit_req` burst (served at once, `nodelay`); 0 means every request must keep the rate's spacing. */
  burst?: number;
  /** `limit_conn`: most requests in progress at once. */
  connections?: number;
  /** Where requests go after the judge passed them (`http://127.0.0.1:PORT`); without it nginx answers 200 itself. */
  upstream?: string;
}

export interface LoggedRequest {
  /** When nginx read the request (ms since epoch): the log time less `$request_time`. */
  at: number;
  /** When nginx finished it and wrote the log line (ms since epoch). */
  end: number;
  status: number;
  /** nginx answered it itself (limit_req / limit_conn) instead of passing it to the upstream. */
  refused: boolean;
  path: string;
  worker: string;
}

export interface NginxJudge {
  url: string;
  /** Every request nginx logged so far. */
  log(): LoggedRequest[];
  /** nginx's error log so far (limit_req / limit_conn refusals are logged at warn and error). */
  errorLog(): string;
  close(): Promise<void>;
}

/** Rejections are answered 429 (limit_req) and 503 (limit_conn), so a log tells them apart. */
export async function startNginxJudge(options: NginxJudgeOptions): Promise<NginxJudge> {
  if (NGINX === undefined) throw new Error("nginx is not installed");
  const dir = mkdtempSync(join(tmpdir(), "ballast-nginx-"));
  const port = await freePort();
  const limits: string[] = [];
  const zones: string[] = [];
  if (options.rate !== undefined) {
    zones.push(`limit_req_zone $server_name zone=rate:1m rate=${options.rate}r/s;`);
    limits.push(`limit_req zone=rate${options.burst ? ` burst=${options.burst} nodelay` : ""};`, "limit_req_status 429;");
  }
  if (options.connections !== undefined) {
    zones.push("limit_conn_zone $server_name zone=conn:1m;");
    limits.push(`limit_conn conn ${options.connections};`, "limit_conn_status 503;");
  }
  const answer = options.upstream
    ? `proxy_pass ${options.upstream}; proxy_http_version 1.1; proxy_set_header Connection "";`
    : // A static file: `return` would answer in the rewrite phase, before limit_req (preaccess) runs.
      `root ${dir}/www; default_type application/json; try_files /ok.json =404;`;
  const conf = `
user root;
worker_processes 1;
${process.getuid?.() === 0 ? "worker_priority -10; # the judge reads arrival times: a loaded scheduler must not queue requests in its socket" : ""}
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  log_format judge '$msec $request_time $status $upstream_status $uri "$http_x_worker"';
  access_log ${dir}/access.log judge;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000;
  ${zones.join("\n  ")}
  server {
    listen 127.0.0.1:${port};
    server_name judge;
    location / {
      ${limits.join("\n      ")}
      ${answer}
    }
    # Not judged: a client warms its connections to the judge here before a measured run.
    location /warmup {
      ${answer}
    }
  }
}
`;
  mkdirSync(join(dir, "www"));
  writeFileSync(join(dir, "www", "ok.json"), '{"ok":true}');
  writeFileSync(join(dir, "nginx.conf"), conf);
  const args = [NGINX, "-p", dir, "-c", join(dir, "nginx.conf")];
  // chrt execs nginx: the child's pid is nginx's.
  const [command, ...rest] = REALTIME ? ["chrt", "--rr", "10", ...args] : args;
  const child: ChildProcess = spawn(command as string, rest, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const stop = () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  process.once("exit", stop);
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
        return new Promise<boolean>((resolve) => {
          const s = net.connect(port, "127.0.0.1", () => {
            s.destroy();
            resolve(true);
          });
          s.once("error", () => resolve(false));
        });
      },
      { timeout: 10_000, what: "nginx to listen" },
    );
  } catch (e) {
    stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    log() {
      let text = "";
      try {
        text = readFileSync(join(dir, "access.log"), "utf8");
      } catch {}
      return text
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [msec, took, status, upstreamStatus, path, worker] = line.split(" ");
          const refused = options.upstream !== undefined ? upstreamStatus === "-" : status !== "200";
          const end = Number(msec) * 1000;
          return { at: end - Number(took) * 1000, end, status: Number(status), refused, path: path ?? "", worker: (worker ?? "").replaceAll('"', "") };
        });
    },
    errorLog() {
      try {
        return readFileSync(join(dir, "error.log"), "utf8");
      } catch {
        return "";
      }
    },
    async close() {
      process.removeListener("exit", stop);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGQUIT");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
        stop();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
