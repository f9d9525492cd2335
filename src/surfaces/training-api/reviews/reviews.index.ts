import { createTrainingRouter } from "../router";
import * as handlers from "./reviews.handlers";
import * as routes from "./reviews.routes";

const router = createTrainingRouter()
  .openapi(routes.stats, handlers.stats)
  .openapi(routes.list, handlers.list);

export default router;
