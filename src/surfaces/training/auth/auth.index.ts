import { createPublicTrainingRouter } from "../router";
import * as handlers from "./auth.handlers";
import * as routes from "./auth.routes";

const router = createPublicTrainingRouter().openapi(routes.login, handlers.login);

export default router;
