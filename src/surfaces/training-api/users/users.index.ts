import { createTrainingRouter } from "../router";
import * as handlers from "./users.handlers";
import * as routes from "./users.routes";

// `/me` before `/{id}`, so it is never read as an id.
const router = createTrainingRouter()
  .openapi(routes.me, handlers.me)
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove);

export default router;
