import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { IdempotencyHeaderSchema, idempotency } from "../../platform/http/idempotency";
import { createRouter } from "../../platform/http/router";
import { authenticate, type TrainingEnv } from "./bearer";
import { renderTrainingError } from "./envelope";

/**
 * A router of the Training API: Bearer token on every route, `Idempotency-Key` on its POSTs,
 * the `{ success }` envelope.
 */
export const createTrainingRouter = () =>
  createRouter<TrainingEnv>(
    renderTrainingError,
    [authenticate, idempotency<TrainingEnv>(renderTrainingError)],
    IdempotencyHeaderSchema,
  );

/** The Training API's few routes that come before a token (login and the like). */
export const createPublicTrainingRouter = () => createRouter<AppEnv>(renderTrainingError);

export type TrainingHandler<R extends RouteConfig> = RouteHandler<R, TrainingEnv>;
export type PublicHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;

/** Where the Training API's paths start; any path under it answers in its envelope. */
export const TRAINING_PREFIX = "/api/";
