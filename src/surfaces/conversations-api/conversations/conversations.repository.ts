import { and, eq, type Placeholder, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { givenKeys, isOneRow, jsonChunks, jsonInserts } from "../../../platform/db/chunked-insert";
import type { Database } from "../../../platform/db/client";
import { documentById } from "../../../platform/db/document-by-id";
import * as keyset from "../../../platform/db/keyset";
import {
  type Renderable,
  renderedBatchPerShape,
  renderedOnce,
  renderedPerShape,
} from "../../../platform/db/rendered-once";
import type { RequestDatabase } from "../../../platform/db/request-database";
import { contacts, conversations, messages } from "../../../platform/db/schema";
import type { Statement } from "../../../platform/db/statement";
import { sameTenant } from "../../../platform/db/tenant";
import { eventInsert, type Outbox } from "../../../platform/events/outbox";
import { type Actor, draftInserts, originsJson } from "../messages/messages.drafts";
import {
  conversationDocumentSql,
  conversationJson,
  selectConversationDocument,
} from "./conversations.document";
import {
  customerContactJsonInserts,
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

/** What a page's statement binds: its filters, the range of its cursor, its size and budget. */
type PageValues = keyset.PageValues & {
  organizationId: string;
  pathwayId?: string | undefined;
  agentId?: string | undefined;
  updatedAfter?: number | undefined;
  budget: number;
};

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

/**
 * A page of conversations is newest first with the id as tie-break. The equality filters pick
 * their index (organization, pathway | agent, created_at, id), which is in list order; the
 * cursor is a range bound on it, so page 500 costs what page 1 does. With `updatedAfter`, SQLite
 * ranges (organization, updated_at) instead and sorts the matches: the cost then follows how
 * many conversations changed since that time (small for a sync), not the page's depth.
 * Rendered once per set of filters given.
 */
const pageStatement = renderedPerShape<PageValues>((db, p) => {
  const c = conversations;
  const page = keyset.page(c.createdAt, c.id, p);
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
    .where(
      and(
        eq(c.organizationId, p.organizationId),
        p.pathwayId ? eq(c.pathwayId, p.pathwayId) : undefined,
        p.agentId ? eq(c.agentId, p.agentId) : undefined,
        p.updatedAfter ? sql`${c.updatedAt} > ${p.updatedAfter}` : undefined,
        ...page.range,
      ),
    )
    .orderBy(...page.order)
    .limit(page.limit)
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
        >`case when ${candidates.before} < ${p.budget} then ${conversationJson} end`.as("doc"),
        before: candidates.before,
        ...page.position,
      })
      .from(candidates)
      // CROSS JOIN keeps the candidates (at most `limit`) the outer loop, each conversation
      // then found by its primary key.
      .crossJoin(c)
      .innerJoin(contacts, sameTenant(contacts, c.contactId, c))
      .where(and(eq(c.id, candidates.id), eq(c.organizationId, p.organizationId)))
      .orderBy(...page.order)
  );
});

/** The statement of one list page: what `listConversations` sends, and EXPLAIN QUERY PLAN checks. */
export const listQuery = (
  organizationId: string,
  filters: ConversationFilters,
  position: keyset.CursorPosition | undefined,
  limit: number,
  budget = PAGE_MESSAGE_BUDGET,
) =>
  pageStatement({
    organizationId,
    pathwayId: filters.pathwayId,
    agentId: filters.agentId,
    updatedAfter: filters.updatedAfter,
    budget,
    ...keyset.values(position, limit, filters),
  });

/**
 * A page of conversations with all their messages, as documents, in one D1 round trip of one
 * statement (the request's check beside it): up to `limit` conversations, fewer when the message budget is reached; `more` says
 * whether the list goes on after the last one.
 */
export async function listConversations(
  db: RequestDatabase,
  organizationId: string,
  filters: ConversationFilters,
  position: keyset.CursorPosition | undefined,
  limit: number,
  budget = PAGE_MESSAGE_BUDGET,
): Promise<{ more: boolean; page: (ConversationListRow & { doc: string })[] }> {
  const candidates = await db.readPage<ConversationListRow>(
    listQuery(organizationId, filters, position, limit + 1, budget),
  );
  const kept = candidates.filter(
    (row, i): row is ConversationListRow & { doc: string } => i < limit && row.before < budget,
  );
  return { more: candidates.length > kept.length, page: kept };
}

/**
 * What the statements writing new conversations bind: each table's rows as JSON chunks
 * (`jsonChunks`), the drafts' origins (`originsJson`), or the placeholders of all of these.
 */
interface InsertParts<V> {
  organizationId: V;
  contacts: V[];
  conversations: V[];
  messages: V[];
  origins: V | undefined;
}

/** What a table's rows are bound as: the keys they give (`givenKeys`), whether one (`isOneRow`). */
interface RowsShape {
  given: string[];
  oneRow: boolean;
}

/** The rows' shape for each table: contacts, conversations, messages. */
type InsertShapes = [RowsShape, RowsShape, RowsShape];

/**
 * The statements that write new conversations: their contacts unless one matches, the
 * conversations linked to them, their messages, their drafts' histories; a few statements however
 * many, every value bound. A taken id (conversation or message) or a user of another organization
 * breaks a constraint, and the batch they are in writes nothing. The one definition of how
 * conversations are written, with values (the bulk import) or placeholders (the API's, rendered
 * once per shape).
 */
function insertStatements(
  db: Database,
  parts: InsertParts<string | Placeholder>,
  [contactRows, conversationRows, messageRows]: InsertShapes,
  actor: Actor,
): BatchItem<"sqlite">[] {
  return [
    ...customerContactJsonInserts(db, contactRows.given, parts.contacts, contactRows.oneRow),
    ...jsonInserts(db, conversations, conversationRows.given, parts.conversations, {
      computed: { contactId: linkedContactOfRow(parts.organizationId) },
      oneRow: conversationRows.oneRow,
    }),
    ...jsonInserts(db, messages, messageRows.given, parts.messages, {
      oneRow: messageRows.oneRow,
    }),
    ...(parts.origins === undefined
      ? []
      : draftInserts(db, parts.organizationId, parts.origins, actor)),
  ];
}

/** The rows of `plans` as each table's JSON chunks, and their shapes. */
function insertRows(organizationId: string, plans: PlannedConversation[]) {
  const contactRows = plans.map((p) => ({ ...p.contact, organizationId }));
  const conversationRows = plans.map((p) => ({
    ...p.conversation,
    organizationId,
    contact: p.contact,
  }));
  const messageRows = plans.flatMap((p) =>
    p.messages.map((m) => ({ ...m, organizationId, conversationId: p.conversation.id })),
  );
  const drafted = plans.flatMap((p) => p.drafts);
  const parts: InsertParts<string> = {
    organizationId,
    contacts: jsonChunks(contactRows),
    conversations: jsonChunks(conversationRows),
    messages: messageRows.length > 0 ? jsonChunks(messageRows) : [],
    origins: drafted.length > 0 ? originsJson(drafted) : undefined,
  };
  const shape = (rows: object[], chunks: string[]): RowsShape => ({
    given: givenKeys(rows),
    oneRow: isOneRow(rows, chunks),
  });
  const shapes: InsertShapes = [
    shape(contactRows, parts.contacts),
    shape(conversationRows, parts.conversations),
    shape(messageRows, parts.messages),
  ];
  return { parts, shapes };
}

/** `insertStatements` with values: for the bulk import's batches. */
export function conversationInserts(
  db: Database,
  organizationId: string,
  plans: PlannedConversation[],
  actor: Actor,
): BatchItem<"sqlite">[] {
  if (plans.length === 0) return [];
  const { parts, shapes } = insertRows(organizationId, plans);
  return insertStatements(db, parts, shapes, actor);
}

/**
 * `insertStatements` rendered once per shape (the keys the rows give and whether one row, the
 * number of chunks, the actor's kind), bound per request: for the API's one conversation at a
 * time, whose contact and conversation are one row each.
 */
const renderedInserts = renderedBatchPerShape<
  {
    organizationId: string;
    contacts: string[];
    conversations: string[];
    messages: string[];
    origins?: string | undefined;
    actorId?: string | undefined;
  },
  string
>((db, p, shape) => {
  const [shapes, actorType] = JSON.parse(shape) as [InsertShapes, "apiKey" | "user" | null];
  const actor = actorType && p.actorId ? { type: actorType, id: p.actorId } : null;
  // Every item is an INSERT builder (`toSQL()`), which BatchItem's type does not say.
  return insertStatements(db, p, shapes, actor) as unknown as Renderable[];
});

/** The event its batch announces: named once, for its insert and for the outbox. */
const CREATED = "conversation.created" as const;

/** The event of a new conversation: its document as GET answers it, rendered once. */
const conversationCreated = renderedOnce(["eventId", "organizationId", "id", "now"], (db, p) =>
  eventInsert(db, {
    id: p.eventId,
    organizationId: p.organizationId,
    type: CREATED,
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
  const event = outbox.newEvent(organizationId, CREATED, now);
  const { parts, shapes } = insertRows(organizationId, [planned]);
  const statements: Statement[] = [
    ...renderedInserts(
      { ...parts, actorId: typeof actor?.id === "string" ? actor.id : undefined },
      JSON.stringify([shapes, actor?.type ?? null]),
    ),
    conversationCreated({ eventId: event.id, organizationId, id, now }),
    conversationDocumentQuery(organizationId, id),
  ];
  const results = await outbox.batchStatements(db, statements, [[statements.length - 2, event]]);
  const [created] = results.at(-1) as { doc: string }[];
  return (created as { doc: string }).doc;
}
