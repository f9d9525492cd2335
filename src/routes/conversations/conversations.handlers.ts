import type { AppRouteHandler } from "../../app-env";
import { requireApiKey } from "../../auth/api-key";
import { ApiError } from "../../errors/api-error";
import { findConversation } from "./conversations.repository";
import type { GetOneRoute } from "./conversations.routes";
import { shapeConversation } from "./conversations.shape";

export const getOne: AppRouteHandler<GetOneRoute> = async (c) => {
  const { conversationId } = c.req.valid("param");
  const caller = await requireApiKey(c);
  const found = await findConversation(c.get("db"), caller.organizationId, conversationId);
  if (!found) throw new ApiError("not_found", `Conversation ${conversationId} not found`);
  return c.json(shapeConversation(found.record, found.messages), 200);
};
