import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../platform/http/app-env";
import apiKeys from "./api-keys/api-keys.index";
import auth from "./auth/auth.index";
import contacts from "./contacts/contacts.index";
import { renderTrainingError, trainingEnvelope } from "./envelope";
import trainingExport from "./export/export.index";
import reviews from "./reviews/reviews.index";
import { TRAINING_PREFIX } from "./router";
import snapshots from "./snapshots/snapshots.index";
import users from "./users/users.index";
import webhooks from "./webhooks/webhooks.index";

/** The Training API: every resource router of the surface, chained so `AppType` keeps them. */
export const trainingRoutes = new OpenAPIHono<AppEnv>()
  .route("/", auth)
  .route("/", snapshots)
  .route("/", trainingExport)
  .route("/", reviews)
  .route("/", apiKeys)
  .route("/", users)
  .route("/", contacts)
  .route("/", webhooks);

/** What the app needs to answer for this surface outside its routes (404, 405, early errors). */
export const trainingSurface = {
  prefix: TRAINING_PREFIX,
  render: renderTrainingError,
  envelope: trainingEnvelope,
};
