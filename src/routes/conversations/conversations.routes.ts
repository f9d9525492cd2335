import { createRoute } from "@hono/zod-openapi";
import { conversationsErrors } from "../../errors/conversations";
import { ConversationParamsSchema, ConversationSchema } from "./conversations.schemas";

const tags = ["Conversations"];
const security = [{ apiKey: [], workspaceId: [] }];

export const getOne = createRoute({
  operationId: "getConversation",
  method: "get",
  path: "/v1/api/conversations/{conversationId}",
  tags,
  summary: "Get conversation by ID",
  description: "Fetch the message history and details for a specific conversation.",
  security,
  request: { params: ConversationParamsSchema },
  responses: {
    200: {
      description: "The conversation, with its messages oldest first",
      content: { "application/json": { schema: ConversationSchema } },
    },
    ...conversationsErrors(400, 401, 403, 404),
  },
});

export type GetOneRoute = typeof getOne;
