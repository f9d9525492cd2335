import { and, desc, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunkedInsert } from "../../../platform/db/chunked-insert";
import type { Database } from "../../../platform/db/client";
import { type CursorPosition, keysetRange } from "../../../platform/db/keyset";
import { renderedOnce } from "../../../platform/db/rendered-once";
import type { RequestDatabase } from "../../../platform/db/request-database";
import {
  contacts,
  conversations,
  messages,
  type WebhookEventType,
} from "../../../platform/db/schema";
import { sameTenant } from "../../../platform/db/tenant";
import type { Outbox } from "../../../platform/events/outbox";
import {
  conversationDocumentSql,
  conversationJson,
  messageEventSql,
  selectActionResult,
  selectConversationDocument,
  selectMessageDocument,
} from "./conversations.document";
import {
  customerContactInserts,
  linkedContactOfRow,
  type MessageRow,
  type PlannedConversation,
} from "./conversations.ingest";
import type { ConversationFilters } from "./conversations.schemas";

/**
 * The GET's statement: the conversation, its customer and its messages as JSON text built
 * inside SQLite (no rows to map, nothing to stringify), rendered once per isolate.
 */
const conversationDocument = renderedOnce(["organizationId", "id"], (db, p) =>
  selectConversationDocument(db, p.organizationId, p.id),
);

/** The statement `findConversationDocument` runs, for EXPLAIN QUERY PLAN checks. */
export const conversationDocumentQuery = (organizationId: string, id: string) =>
  conversationDocument({ organizationId, id });

/** A conversation as GET returns it (JSON text), in one D1 round trip; null when there is none. */
export async function findConversationDocument(
  db: RequestDatabase,
  organizationId: string,
  id: string,
): Promise<string | null> {
  const row = await db.readFirst<{ doc: string }>(conversationDocumentQuery(organizationId, id));
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

/** A list row: the conversation's document (null past the message budget) and its keys. */
export interface ConversationListRow {
  doc: string | null;
  before: number;
  createdAt: number;
  id: string;
}

function listStatement(
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
  // Every candidate, with `before`: the caller keeps those under the budget and knows what it
  // dropped (so it announces a next page). Only those under it are built as documents.
  return (
    db
      .select({
        doc: sql<
          string | null
        >`case when ${candidates.before} < ${budget} then ${conversationJson} end`.as("doc"),
        before: candidates.before,
        createdAt: c.createdAt,
        id: c.id,
      })
      .from(candidates)
      // CROSS JOIN keeps the candidates (at most `limit`) the outer loop, each conversation
      // then found by its primary key.
      .crossJoin(c)
      .innerJoin(contacts, sameTenant(contacts, c.contactId, c))
      .where(and(eq(c.id, candidates.id), eq(c.organizationId, organizationId)))
      .orderBy(...newestFirst)
  );
}

/**
 * A page of conversations with all their messages, as documents, in one D1 round trip of one
 * statement: up to `limit` conversations, fewer when the message budget is reached; `more` says
 * whether the list goes on after the last one.
 */
export async function listConversations(
  db: Database,
  organizationId: string,
  filters: ConversationFilters,
  position: CursorPosition | undefined,
  limit: number,
  budget = PAGE_MESSAGE_BUDGET,
): Promise<{ more: boolean; page: (ConversationListRow & { doc: string })[] }> {
  const [rows] = await db.batch([
    listStatement(db, organizationId, filters, position, limit + 1, budget),
  ]);
  const candidates = rows as ConversationListRow[];
  const kept = candidates.filter(
    (row, i): row is ConversationListRow & { doc: string } => i < limit && row.before < budget,
  );
  return { more: candidates.length > kept.length, page: kept };
}

/** The statement of one list page, for EXPLAIN QUERY PLAN checks. */
export const listQuery = (
  db: Database,
  organizationId: string,
  filters: ConversationFilters,
  position: CursorPosition | undefined,
  limit: number,
) => listStatement(db, organizationId, filters, position, limit, PAGE_MESSAGE_BUDGET).toSQL();

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
 * A new conversation (`conversationInserts`), its event, then its document (JSON text) read back
 * as GET answers it: one batch, one transaction.
 */
export async function createConversation(
  db: Database,
  outbox: Outbox,
  organizationId: string,
  planned: PlannedConversation,
): Promise<string> {
  const id = planned.conversation.id;
  const results = await db.batch([
    ...conversationInserts(db, organizationId, [planned]),
    outbox.event(
      db,
      organizationId,
      "conversation.created",
      conversationDocumentSql(db, organizationId, id),
    ),
    selectConversationDocument(db, organizationId, id),
  ] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  const [created] = results.at(-1) as { doc: string }[];
  return (created as { doc: string }).doc;
}

/**
 * Appends a message to a conversation of the organization, and moves the conversation's
 * `updatedAt`, in one batch: the insert selects from the conversation, so nothing is written
 * for a missing one (or another tenant's), and the touch only follows an insert (`changes()`).
 * The message's document (JSON text), or undefined when there is no such conversation.
 */
export async function appendMessage(
  db: Database,
  outbox: Outbox,
  organizationId: string,
  conversationId: string,
  message: MessageRow,
  now: number,
): Promise<string | undefined> {
  const c = conversations;
  const results = await db.batch([
    db.insert(messages).select(
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
    ),
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
      messageEventSql(db, organizationId, message.id),
      { when: sql`changes() > 0`, now },
    ),
    // The id is new (a taken one fails the insert): the message is there only if it was inserted.
    selectMessageDocument(db, organizationId, message.id),
  ]);
  const [appended] = results.at(-1) as { doc: string }[];
  return appended?.doc;
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
  | { status: "done"; doc: string }
  | { status: "not_found" }
  | { status: "not_pending"; current: { direction: string; status: string } };

/**
 * Applies an action to a pending outbound message, atomically and in one round trip: the
 * conditional UPDATE only touches a message that is still pending and outbound; the
 * conversation's updatedAt moves only if it did (`changes()` is the previous statement's count);
 * the final read tells a missing message (404) from one in another state (409), and builds the
 * action's answer.
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
      .returning({ id: m.id }),
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
      messageEventSql(db, organizationId, messageId),
      { when: sql`changes() > 0`, now },
    ),
    selectActionResult(db, organizationId, conversationId, messageId),
  ]);
  const after = current[0];
  if (!after) return { status: "not_found" };
  if (updated.length === 0) {
    return { status: "not_pending", current: { direction: after.direction, status: after.status } };
  }
  return { status: "done", doc: after.doc };
}
