import { createConversationsRouter } from "../router";
import * as handlers from "./conversations.handlers";
import * as routes from "./conversations.routes";

// The flow route is registered before `{conversationId}` so `/flow/…` is never read as an id.
const router = createConversationsRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.listByFlow, handlers.listByFlow)
  .openapi(routes.getOne, handlers.getOne);

export default router;
