import { ApiError } from "../../../platform/errors/api-error";
import { afterResponse } from "../../../platform/http/after-response";
import { jsonText } from "../../../platform/http/json-text";
import { newObjectId } from "../../../platform/util/ids";
import { planMessage } from "../conversations/conversations.ingest";
import type { ConversationsHandler } from "../router";
import { refusal } from "../write-refusal";
import { changeFor } from "./messages.actions";
import { storeEditDistance } from "./messages.drafts";
import {
  appendMessage as appendToConversation,
  applyMessageAction,
  findRevisions,
} from "./messages.repository";
import type {
  AppendMessageRoute,
  MessageActionRoute,
  MessageRevisionsRoute,
} from "./messages.routes";

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
      {
        keyId: c.var.caller.keyId,
        origin: { model: body.model, promptVersion: body.promptVersion },
      },
      body.createdAt === undefined && body.updatedAt === undefined,
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
  const db = c.get("db");
  const outcome = await applyMessageAction(
    db,
    c.var.outbox,
    caller.organizationId,
    conversationId,
    messageId,
    changeFor(metadata),
    {
      action: metadata.action,
      editedMessage: metadata.editedMessage,
      reason: metadata.reason,
      actor: { type: "apiKey", id: caller.keyId },
      now: Date.now(),
    },
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
  // An edited draft's distance is computed here, once the review has committed (not in SQL,
  // whose cost would grow with the texts' product): after the answer, off its path.
  const { review } = outcome;
  if (review?.outcome === "edited" && review.editDistance === null) {
    await afterResponse(
      c,
      storeEditDistance(db, caller.organizationId, messageId, review),
      "edit distance not stored; the sweep will",
    );
  }
  return jsonText(c, outcome.doc, 200);
};

export const messageRevisions: ConversationsHandler<MessageRevisionsRoute> = async (c) => {
  const { conversationId, messageId } = c.req.valid("param");
  const doc = await findRevisions(
    c.get("db"),
    c.var.caller.organizationId,
    conversationId,
    messageId,
  );
  if (doc === null) {
    throw new ApiError(
      "not_found",
      `Message ${messageId} not found in conversation ${conversationId}`,
    );
  }
  return jsonText(c, doc, 200);
};
