import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../platform/http/app-env";
import conversations from "./conversations/conversations.index";
import { renderConversationsError } from "./envelope";
import messages from "./messages/messages.index";
import { CONVERSATIONS_PREFIX } from "./router";

/** The Conversations API: every resource router of the surface, chained so `AppType` keeps them. */
export const conversationsRoutes = new OpenAPIHono<AppEnv>()
  .route("/", conversations)
  .route("/", messages);

/** What the app needs to answer for this surface outside its routes (404, 405, early errors). */
export const conversationsSurface = {
  prefix: CONVERSATIONS_PREFIX,
  render: renderConversationsError,
};
