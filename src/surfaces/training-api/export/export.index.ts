import { createTrainingRouter } from "../router";
import * as handlers from "./export.handlers";
import * as routes from "./export.routes";

const router = createTrainingRouter().openapi(
  routes.exportTrainingData,
  handlers.exportTrainingData,
);

export default router;
