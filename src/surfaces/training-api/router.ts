import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { jwtSecret } from "../../platform/config";
import type { CursorPosition } from "../../platform/db/keyset";
import type { RequestDatabase } from "../../platform/db/request-database";
import type { AppEnv } from "../../platform/http/app-env";
import { decodeCursor } from "../../platform/http/cursor";
import { idempotentPosts } from "../../platform/http/idempotency";
import { createRouter } from "../../platform/http/router";
import { authenticate, type TrainingEnv } from "./bearer";
import { renderTrainingError, respondWithPage, trainingEnvelope } from "./envelope";

/**
 * A router of the Training API: Bearer token on every route, `Idempotency-Key` on its POSTs,
 * the `{ success }` envelope.
 */
export const createTrainingRouter = () =>
  createRouter<TrainingEnv>(trainingEnvelope, {
    before: [authenticate],
    posts: idempotentPosts<TrainingEnv>(renderTrainingError),
  });

/**
 * The routes that sign tokens check the server can sign before anything else: answering 503
 * after using up a setup token or rotating a refresh token would lose the client its session.
 */
const signingConfigured = createMiddleware<AppEnv>(async (c, next) => {
  jwtSecret(c.env);
  await next();
});

/** The Training API's few routes that come before a token (login and the like). */
export const createPublicTrainingRouter = () =>
  createRouter<AppEnv>(trainingEnvelope, { before: [signingConfigured] });

export type TrainingHandler<R extends RouteConfig> = RouteHandler<R, TrainingEnv>;
export type PublicHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;

/** Where the Training API's paths start; any path under it answers in its envelope. */
export const TRAINING_PREFIX = "/api/";

/** A list page's rows: each document with the (createdAt, id) its cursor is made of. */
type PageRow = { doc: string; createdAt: number; id: string };

/**
 * A newest-first list's answer: the page after the query's `cursor`, read by `read` for the
 * caller's organization (`limit + 1` rows: one more says there is more), in the envelope.
 */
export async function respondWithList<Q extends { cursor?: string | undefined; limit: number }>(
  c: Context<TrainingEnv>,
  query: Q,
  read: (
    db: RequestDatabase,
    organizationId: string,
    filters: Omit<Q, "cursor" | "limit">,
    position: CursorPosition | undefined,
    limit: number,
  ) => Promise<PageRow[]>,
) {
  const { cursor, limit, ...filters } = query;
  const position = cursor === undefined ? undefined : decodeCursor(cursor);
  const rows = await read(c.get("db"), c.var.user.organizationId, filters, position, limit + 1);
  return respondWithPage(c, rows, limit);
}
