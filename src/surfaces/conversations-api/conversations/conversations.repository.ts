import { and, desc, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunkedInsert } from "../../../platform/db/chunked-insert";
import { answerOf, type Database } from "../../../platform/db/client";
import { documentById } from "../../../platform/db/document-by-id";
import { type CursorPosition, keysetRange } from "../../../platform/db/keyset";
import { renderedOnce } from "../../../platform/db/rendered-once";
import type { RequestDatabase } from "../../../platform/db/request-database";
import { contacts, conversations, messages } from "../../../platform/db/schema";
import { type Statement, statementOf } from "../../../platform/db/statement";
import { sameTenant } from "../../../platform/db/tenant";
import { eventInsert, type Outbox } from "../../../platform/events/outbox";
import { type Actor, draftInserts } from "../messages/messages.drafts";
import {
  conversationDocumentSql,
  conversationJson,
  selectConversationDocument,
} from "./conversations.document";
import {
  customerContactInserts,
  linkedContactOfRow,
  type PlannedConversation,
} from "./conversations.ingest";
import type { ConversationFilters } from "./conversations.schemas";

/**
 * The GET's read: the conversation, its customer and its messages as JSON text built inside
 * SQLite (no rows to map, nothing to stringify), one statement rendered once per isolate.
 */
const conversationDocument = documentById(selectConversationDocument);

/** The statement `findConversationDocument` runs, for EXPLAIN QUERY PLAN checks. */
export const conversationDocumentQuery = conversationDocument.query;

/** A conversation as GET returns it (JSON text), in one D1 round trip; null when there is none. */
export const findConversationDocument = conversationDocument.find;

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
  const rows = await answerOf(
    db,
    listStatement(db, organizationId, filters, position, limit + 1, budget),
  );
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
  actor: Actor,
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
    ...draftInserts(
      db,
      organizationId,
      plans.flatMap((p) => p.drafts),
      actor,
    ),
  ];
}

/** The event of a new conversation: its document as GET answers it, rendered once. */
const conversationCreated = renderedOnce(["eventId", "organizationId", "id", "now"], (db, p) =>
  eventInsert(db, {
    id: p.eventId,
    organizationId: p.organizationId,
    type: "conversation.created",
    data: conversationDocumentSql(db, p.organizationId, p.id),
    now: p.now,
  }),
);

/**
 * A new conversation (`conversationInserts`), its event, then its document (JSON text) read back
 * as GET answers it: one batch, one transaction. The event and the document, most of the SQL,
 * are rendered once per isolate.
 */
export async function createConversation(
  db: RequestDatabase,
  outbox: Outbox,
  organizationId: string,
  planned: PlannedConversation,
  actor: Actor,
): Promise<string> {
  const id = planned.conversation.id;
  const now = Date.now();
  const event = outbox.newEvent(organizationId, now);
  const statements: Statement[] = [
    ...conversationInserts(db, organizationId, [planned], actor).map(statementOf),
    conversationCreated({ eventId: event.id, organizationId, id, now }),
    conversationDocumentQuery(organizationId, id),
  ];
  const results = await outbox.batchStatements(db, statements, [[statements.length - 2, event]]);
  const [created] = results.at(-1) as { doc: string }[];
  return (created as { doc: string }).doc;
}
