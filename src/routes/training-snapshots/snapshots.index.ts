import { createRouter } from "../../lib/create-app";
import * as handlers from "./snapshots.handlers";
import * as routes from "./snapshots.routes";

const router = createRouter().openapi(routes.getOne, handlers.getOne);

export default router;
