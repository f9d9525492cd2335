import type { OpenAPIHono, RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { RequestDatabase } from "../db/request-database";
import type { Outbox } from "../events/outbox";

export interface AppVariables {
  requestId: string;
  /** The request's database: its D1 session, timed, with what travels along (request-database.ts). */
  db: RequestDatabase;
  /**
   * Moves the request's database to the organization's shard (authentication calls it as soon
   * as it knows the organization, before any query of tenant data); the shard's binding.
   */
  useOrganization(organizationId: string): Promise<string>;
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
