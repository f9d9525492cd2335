import type { OpenAPIHono, RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Database } from "./db/client";

export interface AppVariables {
  requestId: string;
  /** Drizzle over the request's instrumented D1 binding. */
  db: Database;
  /** Durations of the D1 round trips made so far while serving this request. */
  d1RoundTrips: number[];
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}

export type AppOpenAPI = OpenAPIHono<AppEnv>;
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
