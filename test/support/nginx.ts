/**
 * nginx as a rate-limit judge: a child process with its own config and prefix
 * in a temp dir, serving a static file behind `limit_req` (a leaky bucket that
 * refuses with 429), on a loopback port picked by binding 0 first.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./redis-faults.js";

export const NGINX = "/usr/sbin/nginx";
export const nginxInstalled = existsSync(NGINX);

export interface NginxJudge {
  url: string;
  /** Lines of the access log: `<msec> <status>` per request. */
  log(): Promise<Array<{ at: number; status: number }>>;
  close(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** nginx refusing more than `rate` requests per second, `burst` of them early (nodelay). */
export async function nginxLimitReq(rate: number, burst: number): Promise<NginxJudge> {
  const dir = await mkdtemp(join(tmpdir(), "ballast-nginx-"));
  await mkdir(join(dir, "www"));
  await writeFile(join(dir, "www", "x"), '{"ok":true}');
  const port = await freePort();
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  log_format judge '$msec $status';
  access_log ${dir}/access.log judge;
  limit_req_zone $server_name zone=api:1m rate=${rate}r/s;
  limit_req_status 429;
  server {
    listen 127.0.0.1:${port};
    server_name judge;
    root ${dir}/www;
    default_type application/json;
    location / { limit_req zone=api burst=${burst} nodelay; }
  }
}
`;
  await writeFile(join(dir, "nginx.conf"), conf);
  const child: ChildProcess = spawn(NGINX, ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: "ignore" });
  for (let i = 0; i < 100 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await answers(port))) {
    child.kill("SIGKILL");
    throw new Error(`nginx did not start on port ${port} (see ${dir}/error.log)`);
  }
  const { readFile } = await import("node:fs/promises");
  return {
    url: `http://127.0.0.1:${port}`,
    async log() {
      const text = await readFile(join(dir, "access.log"), "utf8").catch(() => "");
      return text
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [at, status] = line.split(" ");
          return { at: Number(at) * 1000, status: Number(status) };
        });
    },
    async close() {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGQUIT");
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
