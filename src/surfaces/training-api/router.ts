import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { jwtSecret } from "../../platform/config";
import type { AppEnv } from "../../platform/http/app-env";
import { idempotentPosts } from "../../platform/http/idempotency";
import { createRouter } from "../../platform/http/router";
import { authenticate, type TrainingEnv } from "./bearer";
import { renderTrainingError, trainingEnvelope } from "./envelope";

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
