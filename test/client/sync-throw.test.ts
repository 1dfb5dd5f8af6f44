/**
 * A `use` middleware (or a transport) that throws instead of rejecting fails
 * its call like a rejection does, and every step above it cleans up: the
 * concurrency permit the call held goes back, so the next call is sent.
 */
import { expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { compose } from "../../src/compose.js";
import type { Middleware } from "../../src/types.js";
import { useServer } from "../support/http-server.js";
import { apiRequest } from "../support/request.js";

const api = useServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));

it("a use middleware that throws synchronously rejects its call and gives its concurrency permit back", async () => {
  let failing = true;
  const gate: Middleware = (req, next) => {
    if (failing) throw new Error("refused here");
    return next(req);
  };
  const client = createClient({ baseUrl: api.url, concurrency: 1, retry: false, timeout: 2000, use: [gate] });
  onTestFinished(() => client.close());
  await expect(client.get("/a")).rejects.toThrow("refused here");
  failing = false;
  await expect(client.get("/b")).resolves.toEqual({});
});

it("compose turns a throwing end (a transport's send) into a rejection", async () => {
  const send = compose([], () => {
    throw new Error("no socket");
  });
  let threw = false;
  let result: Promise<unknown> | undefined;
  try {
    result = send(apiRequest(`${api.url}/`));
  } catch {
    threw = true;
  }
  expect(threw).toBe(false);
  await expect(result).rejects.toThrow("no socket");
});
