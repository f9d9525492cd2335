import type { AppEnv } from "../../app-env";
import { createRouter } from "../../platform/http/router";
import { trainingEnvelope } from "../../surfaces/training/envelope";
import * as handlers from "./health.handlers";
import * as routes from "./health.routes";

// Outside both surfaces: errors answer in the Training shape, the default.
const router = createRouter<AppEnv>(trainingEnvelope).openapi(routes.health, handlers.health);

export default router;
