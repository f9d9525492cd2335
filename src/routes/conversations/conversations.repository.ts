import { and, asc, eq } from "drizzle-orm";
import { aliased } from "../../db/aliased";
import type { Database } from "../../db/client";
import { contacts, conversations, messages } from "../../db/schema";

const conversationWithCustomer = {
  id: conversations.id,
  userId: conversations.userId,
  pathwayId: conversations.pathwayId,
  agentId: conversations.agentId,
  createdAt: conversations.createdAt,
  updatedAt: conversations.updatedAt,
  customer: aliased("customer__", {
    firstName: contacts.firstName,
    lastName: contacts.lastName,
    email: contacts.email,
    phoneNumber: contacts.phoneNumber,
  }),
};

const conversationMessage = {
  id: messages.id,
  direction: messages.direction,
  sent: messages.sent,
  message: messages.message,
  status: messages.status,
  createdAt: messages.createdAt,
  updatedAt: messages.updatedAt,
};

function selectConversation(db: Database, organizationId: string, id: string) {
  return db
    .select(conversationWithCustomer)
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .where(and(eq(conversations.organizationId, organizationId), eq(conversations.id, id)))
    .limit(1);
}

function selectConversationMessages(db: Database, organizationId: string, conversationId: string) {
  return db
    .select(conversationMessage)
    .from(messages)
    .where(
      and(eq(messages.conversationId, conversationId), eq(messages.organizationId, organizationId)),
    )
    .orderBy(asc(messages.createdAt), asc(messages.id));
}

export type ConversationRecord = Awaited<ReturnType<typeof selectConversation>>[number];
export type ConversationMessageRecord = Awaited<
  ReturnType<typeof selectConversationMessages>
>[number];

/** A conversation, its customer and its messages, in one D1 round trip (one batch). */
export async function findConversation(
  db: Database,
  organizationId: string,
  id: string,
): Promise<{ record: ConversationRecord; messages: ConversationMessageRecord[] } | null> {
  const [rows, found] = await db.batch([
    selectConversation(db, organizationId, id),
    selectConversationMessages(db, organizationId, id),
  ]);
  const record = rows[0];
  return record ? { record, messages: found } : null;
}

/** The statements `findConversation` runs, for EXPLAIN QUERY PLAN checks. */
export const conversationQueries = (db: Database, organizationId: string, id: string) => [
  selectConversation(db, organizationId, id).toSQL(),
  selectConversationMessages(db, organizationId, id).toSQL(),
];
