import { createTrainingRouter } from "../router";
import * as handlers from "./snapshots.handlers";
import * as routes from "./snapshots.routes";

const router = createTrainingRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch, handlers.patchHook)
  .openapi(routes.remove, handlers.remove);

export default router;
