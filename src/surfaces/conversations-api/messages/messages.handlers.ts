import { ApiError } from "../../../platform/errors/api-error";
import { jsonText } from "../../../platform/http/json-text";
import { newObjectId } from "../../../platform/util/ids";
import { planMessage } from "../conversations/conversations.ingest";
import type { ConversationsHandler } from "../router";
import { refusal } from "../write-refusal";
import { changeFor } from "./messages.actions";
import { appendMessage as appendToConversation, applyMessageAction } from "./messages.repository";
import type { AppendMessageRoute, MessageActionRoute } from "./messages.routes";

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
