import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { createDatabase } from "../db/client";
import { instrumentD1 } from "../db/instrumented-d1";
import { serverTimingHeader } from "../lib/server-timing";

// A caller's own correlation id is kept when it is safe to echo back in a header and a log.
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * First middleware of every request: assigns the request id, gives the request its own
 * instrumented database handle, and stamps `x-request-id` and `Server-Timing` on whatever
 * response comes back, errors included.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  const callerId = c.req.header("x-request-id");
  const requestId = callerId && CALLER_REQUEST_ID.test(callerId) ? callerId : crypto.randomUUID();
  const d1RoundTrips: number[] = [];
  c.set("requestId", requestId);
  c.set("d1RoundTrips", d1RoundTrips);
  c.set("db", createDatabase(instrumentD1(c.env.DB, (ms) => d1RoundTrips.push(ms))));

  await next();

  c.header("x-request-id", requestId);
  c.header("Server-Timing", serverTimingHeader(d1RoundTrips, performance.now() - started));
});
