import type { Context } from "hono";
import { ApiError } from "../../../platform/errors/api-error";
import { decodeCursor, encodeCursor } from "../../../platform/http/cursor";
import { jsonText } from "../../../platform/http/json-text";
import { nextLinkHeader } from "../../../platform/http/link";
import { newObjectId } from "../../../platform/util/ids";
import type { ConversationsEnv } from "../api-key";
import { respondWithResource } from "../envelope";
import type { ConversationsHandler } from "../router";
import { refusal } from "../write-refusal";
import { planConversation } from "./conversations.ingest";
import {
  createConversation,
  findConversationDocument,
  listConversations,
} from "./conversations.repository";
import type { CreateRoute, GetOneRoute, ListByFlowRoute, ListRoute } from "./conversations.routes";
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
      { type: "apiKey", id: c.var.caller.keyId },
    );
  } catch (error) {
    refusal(error, body);
  }
  return jsonText(c, created, 201, {
    Location: `/v1/api/conversations/${planned.conversation.id}`,
  });
};
