import { createTrainingRouter } from "../router";
import * as handlers from "./api-keys.handlers";
import * as routes from "./api-keys.routes";

const router = createTrainingRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.revoke, handlers.revoke);

export default router;
