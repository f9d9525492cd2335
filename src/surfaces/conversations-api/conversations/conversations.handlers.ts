import type { Context } from "hono";
import { ApiError, validationError } from "../../../platform/errors/api-error";
import { findDatabaseError } from "../../../platform/errors/database-error";
import { decodeCursor, encodeCursor } from "../../../platform/http/cursor";
import { jsonText } from "../../../platform/http/json-text";
import { nextLinkHeader } from "../../../platform/http/link";
import { newObjectId } from "../../../platform/util/ids";
import type { ConversationsEnv } from "../api-key";
import { respondWithResource } from "../envelope";
import type { ConversationsHandler } from "../router";
import { changeFor } from "./conversations.actions";
import { planConversation, planMessage } from "./conversations.ingest";
import {
  appendMessage as appendToConversation,
  applyMessageAction,
  createConversation,
  findConversationDocument,
  listConversations,
} from "./conversations.repository";
import type {
  AppendMessageRoute,
  CreateRoute,
  GetOneRoute,
  ListByFlowRoute,
  ListRoute,
  MessageActionRoute,
} from "./conversations.routes";
import type { ConversationFilters } from "./conversations.schemas";

/** A page as the vendor returns it: a bare array, the next page in the `Link` header. */
async function respondWithPage(
  c: Context<ConversationsEnv>,
  organizationId: string,
  filters: ConversationFilters,
  limit: number,
  cursor: string | undefined,
) {
  const position = cursor === undefined ? undefined : decodeCursor(cursor);
  const { page, more } = await listConversations(
    c.get("db"),
    organizationId,
    filters,
    position,
    limit,
  );
  const last = page.at(-1);
  const headers: Record<string, string> = {};
  if (more && last) {
    headers.Link = nextLinkHeader(
      c.req.url,
      encodeCursor({ createdAt: last.createdAt, id: last.id }),
    );
  }
  return jsonText(c, `[${page.map((row) => row.doc).join(",")}]`, 200, headers);
}

export const list: ConversationsHandler<ListRoute> = async (c) => {
  const { caller } = c.var;
  const { limit, cursor, ...filters } = c.req.valid("query");
  return respondWithPage(c, caller.organizationId, filters, limit, cursor);
};

export const listByFlow: ConversationsHandler<ListByFlowRoute> = async (c) => {
  const { flowId } = c.req.valid("param");
  const { caller } = c.var;
  const { limit, cursor, ...filters } = c.req.valid("query");
  return respondWithPage(
    c,
    caller.organizationId,
    { ...filters, pathwayId: flowId },
    limit,
    cursor,
  );
};

export const getOne: ConversationsHandler<GetOneRoute> = async (c) => {
  const { conversationId } = c.req.valid("param");
  const { caller } = c.var;
  const text = await findConversationDocument(c.get("db"), caller.organizationId, conversationId);
  if (text === null) throw new ApiError("not_found", `Conversation ${conversationId} not found`);
  return respondWithResource(c, text);
};

export const messageAction: ConversationsHandler<MessageActionRoute> = async (c) => {
  const { conversationId, messageId } = c.req.valid("param");
  const { caller } = c.var;
  const { metadata } = c.req.valid("json");
  const outcome = await applyMessageAction(
    c.get("db"),
    c.var.outbox,
    caller.organizationId,
    conversationId,
    messageId,
    changeFor(metadata),
    Date.now(),
  );
  if (outcome.status === "not_found") {
    throw new ApiError(
      "not_found",
      `Message ${messageId} not found in conversation ${conversationId}`,
    );
  }
  if (outcome.status === "not_pending") {
    const { direction, status } = outcome.current;
    throw new ApiError(
      "conflict",
      direction === "inbound"
        ? "Only outbound messages can be acted on; this one is inbound"
        : `Only pending messages can be acted on; this one is ${status}`,
    );
  }
  return jsonText(c, outcome.doc, 200);
};

const TAKEN = /UNIQUE constraint failed: (conversations|messages)\.id/;

/** A write refused for a taken id (409) or an unknown user (400); anything else as it is. */
function refusal(error: unknown, body: { userId?: string | null }): never {
  const message = findDatabaseError(error)?.message ?? "";
  const taken = TAKEN.exec(message);
  if (taken) {
    throw new ApiError(
      "conflict",
      taken[1] === "conversations"
        ? "A conversation with this _id already exists"
        : "A message with one of these _id values already exists",
    );
  }
  if (/FOREIGN KEY constraint failed/.test(message) && body.userId) {
    throw validationError([
      { field: "body.userId", rule: "unknown_user", message: "is not a user of this workspace" },
    ]);
  }
  throw error;
}

export const create: ConversationsHandler<CreateRoute> = async (c) => {
  const body = c.req.valid("json");
  const now = Date.now();
  const planned = planConversation(
    body,
    {
      conversation: newObjectId(now),
      contact: newObjectId(now),
      message: () => newObjectId(now),
    },
    now,
  );
  let created: string;
  try {
    created = await createConversation(
      c.get("db"),
      c.var.outbox,
      c.var.caller.organizationId,
      planned,
    );
  } catch (error) {
    refusal(error, body);
  }
  return jsonText(c, created, 201, {
    Location: `/v1/api/conversations/${planned.conversation.id}`,
  });
};

export const appendMessage: ConversationsHandler<AppendMessageRoute> = async (c) => {
  const { conversationId } = c.req.valid("param");
  const body = c.req.valid("json");
  const now = Date.now();
  let appended: string | undefined;
  try {
    appended = await appendToConversation(
      c.get("db"),
      c.var.outbox,
      c.var.caller.organizationId,
      conversationId,
      planMessage(body, newObjectId(now), now),
      now,
    );
  } catch (error) {
    refusal(error, {});
  }
  if (!appended) throw new ApiError("not_found", `Conversation ${conversationId} not found`);
  return jsonText(c, appended, 201);
};
