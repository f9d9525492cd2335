import { type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { iso, jsonObject, reviewSeconds } from "../../../platform/db/json-document";
import { drafts, messages } from "../../../platform/db/schema";
import { ReviewSchema } from "./reviews.schemas";

/*
 * The documents of reviewed drafts, defined once over `drafts` (and, for the exports, the
 * messages of its conversation): a review as the list answers it, and the lines of the
 * preference exports (OpenAI's preference fine-tuning, TRL's conversational preference and
 * unpaired KTO forms).
 */

const d = drafts;
const draftMessage = alias(messages, "dm");

/** A reviewed draft as `GET /api/training/reviews` lists it. */
export const reviewJson: SQL = jsonObject(ReviewSchema, {
  conversationId: d.conversationId,
  messageId: d.messageId,
  agentId: d.agentId,
  pathwayId: d.pathwayId,
  model: d.model,
  promptVersion: d.promptVersion,
  outcome: d.outcome,
  draft: d.draft,
  final: d.final,
  reason: d.reason,
  draftedAt: iso(d.draftedAt),
  reviewedAt: iso(d.reviewedAt),
  reviewSeconds: reviewSeconds(d.reviewMs),
  editDistance: d.editDistance,
});

/** The draft's own message (for its place in the conversation), joined as `dm`. */
export const draftMessageJoin = {
  table: draftMessage,
  on: sql`${draftMessage.id} = ${d.messageId}`,
};

const before = (row: typeof draftMessage | typeof messages) =>
  sql`(${row.createdAt}, ${row.id}) < (${draftMessage.createdAt}, ${draftMessage.id})`;

/**
 * The conversation up to the draft, as chat messages: the customer's as `user`, what the
 * organization sent as `assistant` (drafts never sent, rejected or pending, are left out).
 */
export const promptJson: SQL = sql`(select json_group_array(json_object(
    'role', case when p.direction = 'inbound' then 'user' else 'assistant' end,
    'content', p.message))
  from (select * from ${messages}
    where ${messages.conversationId} = ${d.conversationId}
      and ${messages.organizationId} = ${d.organizationId}
      and ${before(messages)}
      and (${messages.direction} = 'inbound' or ${messages.sent} = 1)
    order by ${messages.createdAt}, ${messages.id}) as p)`;

/**
 * What a person sent instead of a rejected draft: the first outbound message a person wrote
 * after it (sent), if it came before the customer's next message.
 */
export const humanReplySql: SQL = sql`(select r.message from ${messages} as r
  where r.conversation_id = ${d.conversationId} and r.organization_id = ${d.organizationId}
    and (r.created_at, r.id) > (${draftMessage.createdAt}, ${draftMessage.id})
    and r.direction = 'outbound' and r.sender_type = 'human' and r.sent = 1
    and not exists (select 1 from ${messages} as i
      where i.conversation_id = r.conversation_id and i.organization_id = r.organization_id
        and i.direction = 'inbound'
        and (i.created_at, i.id) > (${draftMessage.createdAt}, ${draftMessage.id})
        and (i.created_at, i.id) < (r.created_at, r.id))
  order by r.created_at, r.id limit 1)`;
