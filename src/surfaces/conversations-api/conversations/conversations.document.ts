import { and, eq, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../platform/db/client";
import { arrayOf, fullName, iso, jsonObject, textOrNull } from "../../../platform/db/json-document";
import { contacts, conversations, messages } from "../../../platform/db/schema";
import { sameTenant } from "../../../platform/db/tenant";
import { messageJson } from "../messages/messages.document";
import { ConversationSchema } from "./conversations.schemas";

/*
 * The conversation document, defined once: `GET …/{conversationId}`, each item of a list, the
 * answer of `POST /v1/api/conversations` and the `conversation.created` event. Its messages are
 * the message document (../messages/messages.document.ts). Keys and their order are the schema's.
 */

const c = conversations;

/** The conversation as GET answers it; over `conversations` joined with its contact. */
export const conversationJson: SQL = jsonObject(ConversationSchema, {
  _id: c.id,
  userId: c.userId,
  pathwayId: c.pathwayId,
  agentId: c.agentId,
  customer: jsonObject(ConversationSchema.shape.customer, {
    name: fullName(contacts.firstName, contacts.lastName),
    email: textOrNull(contacts.email),
    phone: textOrNull(contacts.phoneNumber),
  }),
  messages: arrayOf(
    messageJson,
    sql`(select * from ${messages}
      where ${messages.conversationId} = ${c.id} and ${messages.organizationId} = ${c.organizationId}
      order by ${messages.createdAt}, ${messages.id}) as ${sql.identifier("m")}`,
  ),
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

/** A select over conversations with the contact their document reads (of the same tenant). */
export const selectFromConversations = (db: Database, selection: Record<string, SQL.Aliased>) =>
  db
    .select(selection)
    .from(c)
    .innerJoin(contacts, sameTenant(contacts, c.contactId, c))
    .$dynamic();

type Bound = string | Placeholder;

const ofOrganization = (organizationId: Bound, id: Bound) =>
  and(eq(c.id, id), eq(c.organizationId, organizationId));

/** One conversation's `{ doc }` (JSON text), or no row. */
export const selectConversationDocument = (db: Database, organizationId: Bound, id: Bound) =>
  selectFromConversations(db, { doc: sql<string>`${conversationJson}`.as("doc") }).where(
    ofOrganization(organizationId, id),
  );

/** The conversation's document as a scalar subquery: an event's data, written with its change. */
export const conversationDocumentSql = (db: Database, organizationId: Bound, id: Bound): SQL =>
  sql`(${selectConversationDocument(db, organizationId, id)})`;
