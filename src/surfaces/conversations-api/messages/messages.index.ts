import { createConversationsRouter } from "../router";
import * as handlers from "./messages.handlers";
import * as routes from "./messages.routes";

const router = createConversationsRouter()
  .openapi(routes.messageAction, handlers.messageAction)
  .openapi(routes.messageRevisions, handlers.messageRevisions)
  .openapi(routes.appendMessage, handlers.appendMessage);

export default router;
