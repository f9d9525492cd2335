import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { aliased } from "../../../platform/db/aliased";
import type { Database } from "../../../platform/db/client";
import { keysetRange } from "../../../platform/db/keyset";
import { contacts, conversations, messages } from "../../../platform/db/schema";
import { sameTenant } from "../../../platform/db/tenant";
import type { CursorPosition } from "../../../platform/http/cursor";
import { groupBy } from "../../../platform/util/group-by";
import type { ConversationFilters } from "./conversations.schemas";

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
    .innerJoin(contacts, sameTenant(contacts, conversations.contactId, conversations))
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

/* ---- lists ---- */

/**
 * A page of conversations is newest first with the id as tie-break. The equality filters pick
 * their index (organization, pathway | agent, created_at, id), which is in list order; the
 * cursor is a range bound on it, so page 500 costs what page 1 does. With `updatedAfter`, SQLite
 * ranges (organization, updated_at) instead and sorts the matches: the cost then follows how
 * many conversations changed since that time (small for a sync), not the page's depth.
 */
function pageWhere(
  organizationId: string,
  filters: ConversationFilters,
  position: CursorPosition | undefined,
) {
  const c = conversations;
  return and(
    eq(c.organizationId, organizationId),
    filters.pathwayId ? eq(c.pathwayId, filters.pathwayId) : undefined,
    filters.agentId ? eq(c.agentId, filters.agentId) : undefined,
    filters.updatedAfter !== undefined ? sql`${c.updatedAt} > ${filters.updatedAfter}` : undefined,
    ...keysetRange(c.createdAt, c.id, filters, position),
  );
}

const newestFirst = [desc(conversations.createdAt), desc(conversations.id)];

function listStatements(
  db: Database,
  organizationId: string,
  filters: ConversationFilters,
  position: CursorPosition | undefined,
  limit: number,
) {
  const where = pageWhere(organizationId, filters, position);
  // The page's ids again, inside the messages statement, so both go in one batch.
  const pageIds = db
    .select({ id: conversations.id })
    .from(conversations)
    .where(where)
    .orderBy(...newestFirst)
    .limit(limit);
  return [
    db
      .select(conversationWithCustomer)
      .from(conversations)
      .innerJoin(contacts, sameTenant(contacts, conversations.contactId, conversations))
      .where(where)
      .orderBy(...newestFirst)
      .limit(limit),
    db
      .select({ conversationId: messages.conversationId, ...conversationMessage })
      .from(messages)
      .where(
        and(inArray(messages.conversationId, pageIds), eq(messages.organizationId, organizationId)),
      )
      .orderBy(asc(messages.conversationId), asc(messages.createdAt), asc(messages.id)),
  ] as const;
}

/** A page of conversations with all their messages, in one D1 round trip (one batch). */
export async function listConversations(
  db: Database,
  organizationId: string,
  filters: ConversationFilters,
  position: CursorPosition | undefined,
  limit: number,
) {
  const [page, pageMessages] = await db.batch(
    listStatements(db, organizationId, filters, position, limit),
  );
  const byConversation = groupBy(pageMessages, (m) => m.conversationId);
  return page.map((record) => ({
    record,
    messages: (byConversation.get(record.id) ?? []).map(
      ({ conversationId: _, ...message }) => message,
    ),
  }));
}

/** The statements of one list page, for EXPLAIN QUERY PLAN checks. */
export const listQueries = (
  db: Database,
  organizationId: string,
  filters: ConversationFilters,
  position: CursorPosition | undefined,
  limit: number,
) => listStatements(db, organizationId, filters, position, limit).map((q) => q.toSQL());

/* ---- message actions ---- */

export interface MessageChange {
  status: "approved" | "rejected" | "pending";
  sent: boolean;
  message?: string;
}

export type ActionOutcome =
  | {
      status: "done";
      message: ConversationMessageRecord;
      to: { channelType: string; email: string | null; phoneNumber: string | null };
    }
  | { status: "not_found" }
  | { status: "not_pending"; current: { direction: string; status: string } };

/**
 * Applies an action to a pending outbound message, atomically and in one round trip: the
 * conditional UPDATE only touches a message that is still pending and outbound; the
 * conversation's updatedAt moves only if it did (`changes()` is the previous statement's count);
 * the final read tells a missing message (404) from one in another state (409).
 */
export async function applyMessageAction(
  db: Database,
  organizationId: string,
  conversationId: string,
  messageId: string,
  change: MessageChange,
  now: number,
): Promise<ActionOutcome> {
  const m = messages;
  const ofMessage = and(
    eq(m.id, messageId),
    eq(m.conversationId, conversationId),
    eq(m.organizationId, organizationId),
  );
  const [updated, , current] = await db.batch([
    db
      .update(m)
      .set({
        status: change.status,
        sent: change.sent,
        ...(change.message === undefined ? {} : { message: change.message }),
        updatedAt: sql`max(${m.updatedAt} + 1, ${now})`,
      })
      .where(and(ofMessage, eq(m.status, "pending"), eq(m.direction, "outbound")))
      .returning(conversationMessage),
    db
      .update(conversations)
      .set({ updatedAt: sql`max(${conversations.updatedAt} + 1, ${now})` })
      .where(
        and(
          eq(conversations.id, conversationId),
          eq(conversations.organizationId, organizationId),
          sql`changes() > 0`,
        ),
      ),
    db
      .select({
        direction: m.direction,
        status: m.status,
        channelType: contacts.channelType,
        email: contacts.email,
        phoneNumber: contacts.phoneNumber,
      })
      .from(m)
      .innerJoin(conversations, sameTenant(conversations, m.conversationId, m))
      .innerJoin(contacts, sameTenant(contacts, conversations.contactId, conversations))
      .where(and(ofMessage, eq(conversations.organizationId, organizationId))),
  ]);
  const after = current[0];
  if (!after) return { status: "not_found" };
  const message = updated[0];
  if (!message) {
    return { status: "not_pending", current: { direction: after.direction, status: after.status } };
  }
  return { status: "done", message, to: after };
}
