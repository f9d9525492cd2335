import type { OpenAPIHono, RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Database } from "./platform/db/client";
import type { RequestD1 } from "./platform/db/instrumented-d1";
import type { Outbox } from "./platform/events/outbox";

export interface AppVariables {
  requestId: string;
  /** Drizzle over the request's instrumented D1 binding. */
  db: Database;
  /** Queues a statement to ride in the request's next D1 batch (see instrumented-d1.ts). */
  prelude: RequestD1["prelude"];
  /** Queues statements to commit with the request's first write (see instrumented-d1.ts). */
  claim: RequestD1["claim"];
  /** Durations of the D1 round trips made so far while serving this request. */
  d1RoundTrips: number[];
  /** The caller's organization, once authenticated (for the request log). */
  organizationId?: string;
  /** Who the caller is within it (`user:<id>`, `key:<id>`): idempotency keys are theirs alone. */
  principal?: string;
  /** Webhook events the request's writes may record, queued once it is answered. */
  outbox: Outbox;
  /** The caller's rate-limit window, once counted (for the RateLimit-* headers). */
  rateLimit?: { limit: number; remaining: number; resetSeconds: number };
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}

export type AppOpenAPI = OpenAPIHono<AppEnv>;
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
