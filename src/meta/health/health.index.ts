import type { AppEnv } from "../../platform/http/app-env";
import { createRouter, type ErrorEnvelope } from "../../platform/http/router";
import * as handlers from "./health.handlers";
import * as routes from "./health.routes";

/** `/health`, its errors in `envelope`: outside both surfaces, the app's default. */
export const healthRouter = (envelope: ErrorEnvelope) =>
  createRouter<AppEnv>(envelope).openapi(routes.health, handlers.health);
