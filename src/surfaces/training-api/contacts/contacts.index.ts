import { createTrainingRouter } from "../router";
import * as handlers from "./contacts.handlers";
import * as routes from "./contacts.routes";

const router = createTrainingRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove);

export default router;
