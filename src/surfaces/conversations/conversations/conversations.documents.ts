import { type SQL, sql } from "drizzle-orm";
import {
  type BoundValue,
  boolSql,
  fullNameSql,
  isoSql,
  textOrNullSql,
} from "../../../platform/db/json-sql";

/*
 * The Conversations API's documents built inside SQLite, for webhook events written in the same
 * batch as the change: each equals what the TypeScript shaping (conversations.shape.ts) returns,
 * which the tests check document by document.
 */

const messageObject = (alias: string) => {
  const m = sql.raw(alias);
  return sql`json_object('direction', ${m}.direction, 'sent', ${boolSql(`${alias}.sent`)}, 'message', ${m}.message, 'status', ${m}.status, '_id', ${m}.id, 'createdAt', ${isoSql(`${alias}.created_at`)}, 'updatedAt', ${isoSql(`${alias}.updated_at`)})`;
};

/** The document's expression over `c` (conversation) and `k` (its contact). */
const conversationObject = sql`json_object(
    '_id', c.id, 'userId', c.user_id, 'pathwayId', c.pathway_id, 'agentId', c.agent_id,
    'customer', json_object('name', ${fullNameSql("k.first_name", "k.last_name")}, 'email', ${textOrNullSql("k.email")}, 'phone', ${textOrNullSql("k.phone_number")}),
    'messages', (select json_group_array(${messageObject("m")}) from (
      select direction, sent, message, status, id, created_at, updated_at from messages
      where conversation_id = c.id and organization_id = c.organization_id
      order by created_at, id) m),
    'createdAt', ${isoSql("c.created_at")}, 'updatedAt', ${isoSql("c.updated_at")})`;

const conversationFrom = (
  organizationId: BoundValue,
  conversationId: BoundValue,
) => sql`from conversations c
  join contacts k on k.id = c.contact_id and k.organization_id = c.organization_id
  where c.id = ${conversationId} and c.organization_id = ${organizationId}`;

/** A conversation as `GET /v1/api/conversations/{id}` returns it (JSON text), as a subquery. */
export const conversationDocumentSql = (
  organizationId: BoundValue,
  conversationId: BoundValue,
): SQL => sql`(select ${conversationObject} ${conversationFrom(organizationId, conversationId)})`;

/** The GET's one statement: `{ doc }` (the conversation's JSON text), or no row. */
export const conversationDocumentSelect = (
  organizationId: BoundValue,
  conversationId: BoundValue,
): SQL =>
  sql`select ${conversationObject} as doc ${conversationFrom(organizationId, conversationId)}`;

/**
 * A message event's data: `{ conversationId, message }`, the message as it appears in the
 * conversation's `messages` (JSON text).
 */
export const messageEventSql = (organizationId: string, messageId: string): SQL => sql`(
  select json_object('conversationId', m.conversation_id, 'message', json(${messageObject("m")}))
  from messages m where m.id = ${messageId} and m.organization_id = ${organizationId})`;
