import { createRoute } from "@hono/zod-openapi";
import { apiKeySecurity } from "../api-key";
import { conversationsErrors } from "../envelope";
import { conversationExample } from "./conversations.examples";
import {
  ConversationListSchema,
  ConversationParamsSchema,
  ConversationSchema,
  CreateConversationBodySchema,
  FlowConversationsQuerySchema,
  FlowParamsSchema,
  ListConversationsQuerySchema,
} from "./conversations.schemas";

const tags = ["Conversations"];
const security = apiKeySecurity;

const etagHeader = {
  ETag: {
    description:
      "The conversation's content hash: send it as `If-None-Match` and an unchanged conversation answers 304.",
    schema: { type: "string" as const, example: '"3f0c8a528d1e4f0a"' },
  },
};

const linkHeader = {
  Link: {
    description: 'The next page: `<https://…?cursor=…>; rel="next"`. Absent on the last page.',
    schema: { type: "string" as const },
  },
};

export const list = createRoute({
  operationId: "listConversations",
  method: "get",
  path: "/v1/api/conversations",
  tags,
  summary: "List conversations, newest first",
  description:
    'A bare array of conversations in the get-by-id shape. Follow the `Link` header (`rel="next"`) for the next page.',
  security,
  request: { query: ListConversationsQuerySchema },
  responses: {
    200: {
      description: "One page of conversations",
      headers: linkHeader,
      content: {
        "application/json": { schema: ConversationListSchema, example: [conversationExample] },
      },
    },
  },
});

export const listByFlow = createRoute({
  operationId: "listConversationsByFlow",
  method: "get",
  path: "/v1/api/conversations/flow/{flowId}",
  tags,
  summary: "List the conversations of one flow (pathway)",
  description:
    "The list of `GET /v1/api/conversations` for the conversations whose `pathwayId` is `flowId`: the same filters, order and `Link` pagination, without the `pathwayId` parameter (400 `unknown_field`). A flow without conversations answers `[]`.",
  security,
  request: { params: FlowParamsSchema, query: FlowConversationsQuerySchema },
  responses: {
    200: {
      description: "One page of the flow's conversations",
      headers: linkHeader,
      content: { "application/json": { schema: ConversationListSchema } },
    },
  },
});

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
      headers: etagHeader,
      content: { "application/json": { schema: ConversationSchema, example: conversationExample } },
    },
    304: {
      description: "Not modified: the `If-None-Match` ETag is current. No body.",
      headers: etagHeader,
    },
    ...conversationsErrors(404),
  },
});

export const create = createRoute({
  operationId: "createConversation",
  method: "post",
  path: "/v1/api/conversations",
  tags,
  summary: "Record a conversation (with its messages)",
  description:
    "The conversation is linked to the organization's contact with the customer's phone, else their email, else a new contact made from `customer`, so training snapshots can be captured from it. Written whole or not at all; a taken `_id` (conversation or message) is 409. Message defaults: inbound → `received`; outbound → `pending` (an AI draft to review); `sent` follows the status (true for approved, sent, delivered, received). At most 1,000 messages.",
  security,
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: CreateConversationBodySchema } },
    },
  },
  responses: {
    201: {
      description: "The conversation, exactly as GET returns it",
      headers: { Location: { description: "The conversation's URL", schema: { type: "string" } } },
      content: { "application/json": { schema: ConversationSchema } },
    },
    ...conversationsErrors(409),
  },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type ListByFlowRoute = typeof listByFlow;
export type GetOneRoute = typeof getOne;
