import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../../platform/http/app-env";
import { createPublicTrainingRouter, createTrainingRouter } from "../router";
import * as handlers from "./auth.handlers";
import * as routes from "./auth.routes";

// Before a token: login and the two ways to get one without a password at hand.
const open = createPublicTrainingRouter()
  .openapi(routes.login, handlers.login)
  .openapi(routes.setupPassword, handlers.setupPassword)
  .openapi(routes.refresh, handlers.refresh);

// With a token: what a session does to itself.
const session = createTrainingRouter()
  .openapi(routes.logout, handlers.logout)
  .openapi(routes.changePassword, handlers.changePassword);

const router = new OpenAPIHono<AppEnv>().route("/", open).route("/", session);

export default router;
