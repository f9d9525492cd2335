import { createRoute } from "@hono/zod-openapi";
import { apiKeySecurity } from "../api-key";
import { ConversationParamsSchema } from "../conversations/conversations.schemas";
import { conversationsErrors } from "../envelope";
import {
  ConversationMessageSchema,
  MessageActionBodySchema,
  MessageActionParamsSchema,
  MessageActionResponseSchema,
  MessageRevisionsSchema,
  NewMessageSchema,
} from "./messages.schemas";

const tags = ["Conversations"];
const security = apiKeySecurity;

export const appendMessage = createRoute({
  operationId: "appendConversationMessage",
  method: "post",
  path: "/v1/api/conversations/{conversationId}/messages",
  tags,
  summary: "Add a message to a conversation",
  description:
    "Inbound defaults to `received`; outbound to `pending` (an AI draft awaiting review, which the action endpoint then approves, edits or rejects); `sent` follows the status unless given (true for approved, sent, delivered, received). The conversation's `updatedAt` moves. A taken `_id` is 409.",
  security,
  request: {
    params: ConversationParamsSchema,
    body: { required: true, content: { "application/json": { schema: NewMessageSchema } } },
  },
  responses: {
    201: {
      description: "The message, as it appears in the conversation's `messages`",
      content: { "application/json": { schema: ConversationMessageSchema } },
    },
    ...conversationsErrors(404, 409),
  },
});

export const messageAction = createRoute({
  operationId: "actOnMessage",
  method: "post",
  path: "/v1/api/conversations/{conversationId}/message/{messageId}/action",
  tags,
  summary: "Approve, edit or reject an AI draft",
  description:
    "Only a `pending` outbound message can be acted on (anything else is 409). `Approve` → `approved`, `sent: true`; `Reject` → `rejected`, `sent: false`; `Edit` replaces the text and keeps it pending. The conversation's `updatedAt` moves.",
  security,
  request: {
    params: MessageActionParamsSchema,
    body: { required: true, content: { "application/json": { schema: MessageActionBodySchema } } },
  },
  responses: {
    200: {
      description: "The message after the action",
      content: { "application/json": { schema: MessageActionResponseSchema } },
    },
    ...conversationsErrors(404, 409),
  },
});

export const messageRevisions = createRoute({
  operationId: "getDraftRevisions",
  method: "get",
  path: "/v1/api/conversations/{conversationId}/message/{messageId}/revisions",
  tags,
  summary: "An AI draft's history (an extension)",
  description:
    "The draft as the AI wrote it, each edit and the verdict, oldest first, with who took each step: what a person changed is kept, not overwritten. A draft edited before history was kept shows a null original. The vendor's shapes are unchanged; this is where the history is read.",
  security,
  request: { params: MessageActionParamsSchema },
  responses: {
    200: {
      description: "The draft's history",
      content: { "application/json": { schema: MessageRevisionsSchema } },
    },
    ...conversationsErrors(404),
  },
});

export type AppendMessageRoute = typeof appendMessage;
export type MessageActionRoute = typeof messageAction;
export type MessageRevisionsRoute = typeof messageRevisions;
