import { createRouter } from "../../lib/create-app";
import * as handlers from "./conversations.handlers";
import * as routes from "./conversations.routes";

const router = createRouter().openapi(routes.getOne, handlers.getOne);

export default router;
