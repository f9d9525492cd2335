import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { aliased } from "../../../platform/db/aliased";
import { chunkedInsert } from "../../../platform/db/chunked-insert";
import type { Database } from "../../../platform/db/client";
import { compiled, firstRow } from "../../../platform/db/compiled";
import { keysetRange } from "../../../platform/db/keyset";
import {
  contacts,
  conversations,
  messages,
  type WebhookEventType,
} from "../../../platform/db/schema";
import { sameTenant } from "../../../platform/db/tenant";
import type { Outbox } from "../../../platform/events/outbox";
import type { CursorPosition } from "../../../platform/http/cursor";
import { groupBy } from "../../../platform/util/group-by";
import {
  conversationDocumentSelect,
  conversationDocumentSql,
  messageEventSql,
} from "./conversations.documents";
import {
  customerContactInserts,
  linkedContactOfRow,
  type MessageRow,
  type PlannedConversation,
} from "./conversations.ingest";
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

/**
 * The GET's statement: the conversation, its customer and its messages as JSON text built
 * inside SQLite (no rows to map, nothing to stringify), compiled once per isolate.
 */
const conversationDocument = compiled(["organizationId", "id"], (_db, p) =>
  conversationDocumentSelect(p.organizationId, p.id),
);

/** The statement `findConversationDocument` runs, for EXPLAIN QUERY PLAN checks. */
export const conversationDocumentQuery = (organizationId: string, id: string) =>
  conversationDocument({ organizationId, id });

/** A conversation as GET returns it (JSON text), in one D1 round trip; null when there is none. */
export async function findConversationDocument(
  db: Database,
  organizationId: string,
  id: string,
): Promise<string | null> {
  const row = await firstRow<{ doc: string }>(db, conversationDocumentQuery(organizationId, id));
  return row?.doc ?? null;
}

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

/**
 * Most messages one page carries. A page holds up to `limit` conversations with all their
 * messages; once conversations can hold thousands, the page stops after the conversation that
 * passes this many (the first conversation is always whole), and its `Link` continues from
 * there, so a page's size and cost stay bounded whatever the data.
 */
export const PAGE_MESSAGE_BUDGET = 5_000;

function listStatements(
  db: Database,
  organizationId: string,
  filters: ConversationFilters,
  position: CursorPosition | undefined,
  limit: number,
  budget: number,
) {
  const c = conversations;
  // The page's candidates (index range, at most `limit`), each with its message count …
  const limited = db
    .select({
      id: c.id,
      createdAt: c.createdAt,
      // Qualified by hand: Drizzle leaves single-table columns unqualified, and inside this
      // subquery "id" would be the message's.
      own: sql<number>`(select count(*) from "messages" as counted where counted."conversation_id" = "conversations"."id" and counted."organization_id" = "conversations"."organization_id")`.as(
        "own",
      ),
    })
    .from(c)
    .where(pageWhere(organizationId, filters, position))
    .orderBy(...newestFirst)
    .limit(limit)
    .as("limited");
  // … and the messages of the candidates before it: a window over at most `limit` rows.
  const candidates = db
    .select({
      id: limited.id,
      before:
        sql<number>`coalesce(sum(${limited.own}) over (order by ${limited.createdAt} desc, ${limited.id} desc rows between unbounded preceding and 1 preceding), 0)`.as(
          "before",
        ),
    })
    .from(limited)
    .as("candidates");
  return [
    // Every candidate, with `before`: the caller keeps those under the budget and knows what
    // it dropped (so it announces a next page).
    db
      .select({ ...conversationWithCustomer, before: candidates.before })
      .from(candidates)
      // CROSS JOIN keeps the candidates (at most `limit`) the outer loop, each conversation
      // then found by its primary key.
      .crossJoin(c)
      .innerJoin(contacts, sameTenant(contacts, c.contactId, c))
      .where(and(eq(c.id, candidates.id), eq(c.organizationId, organizationId)))
      .orderBy(...newestFirst),
    db
      .select({ conversationId: messages.conversationId, ...conversationMessage })
      .from(messages)
      .where(
        and(
          inArray(
            messages.conversationId,
            db
              .select({ id: candidates.id })
              .from(candidates)
              .where(sql`${candidates.before} < ${budget}`),
          ),
          eq(messages.organizationId, organizationId),
        ),
      )
      .orderBy(asc(messages.conversationId), asc(messages.createdAt), asc(messages.id)),
  ] as const;
}

/**
 * A page of conversations with all their messages, in one D1 round trip (one batch): up to
 * `limit` conversations, fewer when the message budget is reached; `more` says whether the
 * list goes on after the last one.
 */
export async function listConversations(
  db: Database,
  organizationId: string,
  filters: ConversationFilters,
  position: CursorPosition | undefined,
  limit: number,
  budget = PAGE_MESSAGE_BUDGET,
) {
  const [candidates, pageMessages] = await db.batch(
    listStatements(db, organizationId, filters, position, limit + 1, budget),
  );
  const kept = candidates.filter((row, i) => i < limit && row.before < budget);
  const byConversation = groupBy(pageMessages, (m) => m.conversationId);
  return {
    more: candidates.length > kept.length,
    page: kept.map(({ before: _, ...record }) => ({
      record,
      messages: (byConversation.get(record.id) ?? []).map(
        ({ conversationId: _, ...message }) => message,
      ),
    })),
  };
}

/** The statements of one list page, for EXPLAIN QUERY PLAN checks. */
export const listQueries = (
  db: Database,
  organizationId: string,
  filters: ConversationFilters,
  position: CursorPosition | undefined,
  limit: number,
) =>
  listStatements(db, organizationId, filters, position, limit, PAGE_MESSAGE_BUDGET).map((q) =>
    q.toSQL(),
  );

/* ---- ingestion ---- */

/**
 * The statements that write new conversations: their contacts unless one matches, the
 * conversations linked to them, their messages; three statements however many, every value
 * bound. A taken id (conversation or message) or a user of another organization breaks a
 * constraint, and the batch they are in writes nothing. The one way conversations are written:
 * one by the API, many at a time by the bulk import.
 */
export function conversationInserts(
  db: Database,
  organizationId: string,
  plans: PlannedConversation[],
): BatchItem<"sqlite">[] {
  return [
    ...customerContactInserts(
      db,
      organizationId,
      plans.map((p) => p.contact),
    ),
    ...chunkedInsert(
      db,
      conversations,
      plans.map((p) => ({ ...p.conversation, organizationId, contact: p.contact })),
      { computed: { contactId: linkedContactOfRow(organizationId) } },
    ),
    ...chunkedInsert(
      db,
      messages,
      plans.flatMap((p) =>
        p.messages.map((m) => ({ ...m, organizationId, conversationId: p.conversation.id })),
      ),
    ),
  ];
}

/**
 * A new conversation (`conversationInserts`), its event, then the conversation read back as GET
 * returns it: one batch, one transaction.
 */
export async function createConversation(
  db: Database,
  outbox: Outbox,
  organizationId: string,
  planned: PlannedConversation,
) {
  const id = planned.conversation.id;
  const results = await db.batch([
    ...conversationInserts(db, organizationId, [planned]),
    outbox.event(
      db,
      organizationId,
      "conversation.created",
      conversationDocumentSql(organizationId, id),
    ),
    selectConversation(db, organizationId, id),
    selectConversationMessages(db, organizationId, id),
  ] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  const [record] = results.at(-2) as ConversationRecord[];
  return {
    record: record as ConversationRecord,
    messages: results.at(-1) as ConversationMessageRecord[],
  };
}

/**
 * Appends a message to a conversation of the organization, and moves the conversation's
 * `updatedAt`, in one batch: the insert selects from the conversation, so nothing is written
 * for a missing one (or another tenant's), and the touch only follows an insert (`changes()`).
 * Undefined when there is no such conversation.
 */
export async function appendMessage(
  db: Database,
  outbox: Outbox,
  organizationId: string,
  conversationId: string,
  message: MessageRow,
  now: number,
): Promise<ConversationMessageRecord | undefined> {
  const c = conversations;
  const [inserted] = await db.batch([
    db
      .insert(messages)
      .select(
        db
          .select({
            id: sql<string>`${message.id}`.as("id"),
            organizationId: c.organizationId,
            conversationId: c.id,
            direction: sql<string>`${message.direction}`.as("direction"),
            senderType: sql<string>`${message.senderType}`.as("sender_type"),
            sent: sql<boolean>`${message.sent ? 1 : 0}`.as("sent"),
            message: sql<string>`${message.message}`.as("message"),
            status: sql<string>`${message.status}`.as("status"),
            createdAt: sql<number>`${message.createdAt}`.as("created_at"),
            updatedAt: sql<number>`${message.updatedAt}`.as("updated_at"),
          })
          .from(c)
          .where(and(eq(c.id, conversationId), eq(c.organizationId, organizationId))),
      )
      .returning(conversationMessage),
    db
      .update(c)
      .set({ updatedAt: sql`max(${c.updatedAt} + 1, ${now}, ${message.updatedAt})` })
      .where(
        and(eq(c.id, conversationId), eq(c.organizationId, organizationId), sql`changes() > 0`),
      ),
    // The touch changed a row only if the message was inserted.
    outbox.event(
      db,
      organizationId,
      "conversation.message.created",
      messageEventSql(organizationId, message.id),
      { when: sql`changes() > 0`, now },
    ),
  ]);
  return inserted[0];
}

/* ---- message actions ---- */

export interface MessageChange {
  status: "approved" | "rejected" | "pending";
  sent: boolean;
  message?: string;
}

/** The event each outcome of an action announces (an edit keeps the message pending). */
const ACTION_EVENTS = {
  approved: "conversation.message.approved",
  rejected: "conversation.message.rejected",
  pending: "conversation.message.edited",
} as const satisfies Record<MessageChange["status"], WebhookEventType>;

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
  outbox: Outbox,
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
  const [updated, , , current] = await db.batch([
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
    // The touch changed a row only if the action applied.
    outbox.event(
      db,
      organizationId,
      ACTION_EVENTS[change.status],
      messageEventSql(organizationId, messageId),
      { when: sql`changes() > 0`, now },
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
