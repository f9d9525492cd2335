import { createTrainingRouter } from "../router";
import * as handlers from "./webhooks.handlers";
import * as routes from "./webhooks.routes";

const router = createTrainingRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.test, handlers.test)
  .openapi(routes.rotateSecret, handlers.rotateSecret)
  .openapi(routes.deliveries, handlers.deliveries);

export default router;
