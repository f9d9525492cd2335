import { and, asc, desc, eq, exists, inArray, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SelectedFields } from "drizzle-orm/sqlite-core";
import { aliased, presentOrNull } from "../../../platform/db/aliased";
import { chunkedInsert } from "../../../platform/db/chunked-insert";
import type { Database } from "../../../platform/db/client";
import { keysetRange } from "../../../platform/db/keyset";
import {
  contacts,
  conversations,
  messages,
  trainingSnapshotMessages,
  trainingSnapshots,
  trainingSnapshotTags,
  users,
} from "../../../platform/db/schema";
import { searchMatch, snapshotSearch, usesSearchIndex } from "../../../platform/db/search";
import { sameTenant } from "../../../platform/db/tenant";
import { findDatabaseError } from "../../../platform/errors/database-error";
import type { CursorPosition } from "../../../platform/http/cursor";
import type { Precondition } from "../../../platform/http/etag";
import type { SnapshotFilters } from "./snapshots.schemas";

/* ------------------------------------------------------------------------------------------ */
/* Reads                                                                                       */
/* ------------------------------------------------------------------------------------------ */

const snapshotWithRefs = {
  snapshot: trainingSnapshots,
  user: aliased("user__", {
    id: users.id,
    firstName: users.firstName,
    lastName: users.lastName,
    email: users.email,
  }),
  contact: aliased("contact__", {
    id: contacts.id,
    firstName: contacts.firstName,
    lastName: contacts.lastName,
    phoneNumber: contacts.phoneNumber,
    email: contacts.email,
    channelType: contacts.channelType,
  }),
};

const snapshotMessage = {
  snapshotId: trainingSnapshotMessages.snapshotId,
  messageId: trainingSnapshotMessages.messageId,
  content: trainingSnapshotMessages.content,
  sender: trainingSnapshotMessages.sender,
  senderType: trainingSnapshotMessages.senderType,
  timestamp: trainingSnapshotMessages.timestamp,
};

const ofOrganization = (organizationId: string, id: string) =>
  and(eq(trainingSnapshots.organizationId, organizationId), eq(trainingSnapshots.id, id));

function selectSnapshot(db: Database, organizationId: string, id: string) {
  return db
    .select(snapshotWithRefs)
    .from(trainingSnapshots)
    .leftJoin(users, sameTenant(users, trainingSnapshots.userId, trainingSnapshots))
    .leftJoin(contacts, sameTenant(contacts, trainingSnapshots.contactId, trainingSnapshots))
    .where(ofOrganization(organizationId, id))
    .limit(1);
}

function selectSnapshotMessages(db: Database, organizationId: string, snapshotId: string) {
  return db
    .select(snapshotMessage)
    .from(trainingSnapshotMessages)
    .where(
      and(
        eq(trainingSnapshotMessages.snapshotId, snapshotId),
        eq(trainingSnapshotMessages.organizationId, organizationId),
      ),
    )
    .orderBy(asc(trainingSnapshotMessages.position));
}

type SnapshotRow = Awaited<ReturnType<typeof selectSnapshot>>[number];

export interface SnapshotRecord {
  snapshot: SnapshotRow["snapshot"];
  user: (SnapshotRow["user"] & { id: string }) | null;
  contact: (SnapshotRow["contact"] & { id: string }) | null;
}

export type SnapshotMessageRecord = Awaited<ReturnType<typeof selectSnapshotMessages>>[number];

export interface SnapshotWithMessages {
  record: SnapshotRecord;
  messages: SnapshotMessageRecord[];
}

const toRecord = (row: SnapshotRow): SnapshotRecord => ({
  snapshot: row.snapshot,
  user: presentOrNull(row.user),
  contact: presentOrNull(row.contact),
});

/**
 * A snapshot with its creator, contact and message copies, in one D1 round trip: the two
 * statements go as one batch, which D1 runs in one transaction, so they see the same data.
 */
export async function findSnapshot(
  db: Database,
  organizationId: string,
  id: string,
): Promise<SnapshotWithMessages | null> {
  const [rows, copies] = await db.batch([
    selectSnapshot(db, organizationId, id),
    selectSnapshotMessages(db, organizationId, id),
  ]);
  const row = rows[0];
  return row ? { record: toRecord(row), messages: copies } : null;
}

/** The statements `findSnapshot` runs, for EXPLAIN QUERY PLAN checks. */
export const snapshotQueries = (db: Database, organizationId: string, id: string) => [
  selectSnapshot(db, organizationId, id).toSQL(),
  selectSnapshotMessages(db, organizationId, id).toSQL(),
];

/* ------------------------------------------------------------------------------------------ */
/* Lists and export                                                                           */
/* ------------------------------------------------------------------------------------------ */

/** `q` shorter than the index's trigrams: a substring test on the rows the list walks anyway. */
const containsText = (q: string) => {
  const needle = q.toLowerCase();
  return sql`(instr(lower(${trainingSnapshots.notes}), ${needle}) > 0 or instr(lower(${trainingSnapshots.customerName}), ${needle}) > 0)`;
};

const hasTag = (db: Database, tag: string) => {
  const s = trainingSnapshots;
  return exists(
    db
      .select({ one: sql`1` })
      .from(trainingSnapshotTags)
      .where(
        and(
          eq(trainingSnapshotTags.snapshotId, s.id),
          eq(trainingSnapshotTags.organizationId, s.organizationId),
          eq(trainingSnapshotTags.tag, tag),
        ),
      ),
  );
};

/**
 * One page, newest first with the id as tie-break, after `position`. Which index drives it:
 * - a search `q` of 3+ characters: the full-text index, which yields that organization's
 *   matching snapshots (cost follows the number of matches, which are then sorted), every other
 *   filter checked on each match;
 * - else a tag: the tag index (organization, tag, archived, created_at, snapshot id), which is in
 *   list order; further tags are checked per row through the tags' primary key;
 * - else the snapshot index that matches the filters and the order.
 * Without a search a page costs the same at any depth: the cursor is a range bound on the
 * index, never an OFFSET.
 */
function selectPage(
  db: Database,
  selection: SelectedFields,
  organizationId: string,
  filters: SnapshotFilters,
  position: CursorPosition | undefined,
  limit: number,
) {
  const s = trainingSnapshots;
  const searched = filters.q !== undefined && usesSearchIndex(filters.q) ? filters.q : undefined;
  const [drivingTag, ...otherTags] = searched === undefined ? (filters.tag ?? []) : [];
  const checkedTags = searched === undefined ? otherTags : (filters.tag ?? []);
  const createdAt = drivingTag ? trainingSnapshotTags.createdAt : s.createdAt;
  const id = drivingTag ? trainingSnapshotTags.snapshotId : s.id;

  const conditions: (SQL | undefined)[] = [
    drivingTag
      ? and(
          eq(trainingSnapshotTags.organizationId, organizationId),
          eq(trainingSnapshotTags.tag, drivingTag),
          eq(trainingSnapshotTags.isArchived, filters.isArchived),
        )
      : and(eq(s.organizationId, organizationId), eq(s.isArchived, filters.isArchived)),
    searched === undefined
      ? undefined
      : and(searchMatch(organizationId, searched), sql`${s}.rowid = ${snapshotSearch.rowid}`),
    filters.q !== undefined && searched === undefined ? containsText(filters.q) : undefined,
    filters.quality ? eq(s.quality, filters.quality) : undefined,
    filters.category ? eq(s.category, filters.category) : undefined,
    filters.contactId ? eq(s.contactId, filters.contactId) : undefined,
    ...checkedTags.map((tag) => hasTag(db, tag)),
    ...keysetRange(createdAt, id, filters, position),
  ];

  let query = db
    .select(selection)
    .from(searched !== undefined ? snapshotSearch : drivingTag ? trainingSnapshotTags : s)
    .$dynamic();
  // CROSS JOIN keeps the index as the outer loop: SQLite would otherwise walk the organization's
  // snapshots and run the full-text query once per row.
  if (searched !== undefined) query = query.crossJoin(s);
  if (drivingTag) {
    query = query.innerJoin(
      s,
      sameTenant(s, trainingSnapshotTags.snapshotId, trainingSnapshotTags),
    );
  }
  return query
    .leftJoin(users, sameTenant(users, s.userId, s))
    .leftJoin(contacts, sameTenant(contacts, s.contactId, s))
    .where(and(...conditions))
    .orderBy(desc(createdAt), desc(id))
    .limit(limit);
}

// The export needs no creator or contact: SQLite drops LEFT JOINs whose columns are never used.

/** Up to `limit` list items after `position`; one statement, one round trip. */
export async function listSnapshots(
  db: Database,
  organizationId: string,
  filters: SnapshotFilters,
  position: CursorPosition | undefined,
  limit: number,
): Promise<SnapshotRecord[]> {
  const rows = await selectPage(db, snapshotWithRefs, organizationId, filters, position, limit);
  return (rows as SnapshotRow[]).map(toRecord);
}

export const listSnapshotsQuery = (
  db: Database,
  organizationId: string,
  filters: SnapshotFilters,
  position: CursorPosition | undefined,
  limit: number,
) => selectPage(db, snapshotWithRefs, organizationId, filters, position, limit).toSQL();

function exportStatements(
  db: Database,
  organizationId: string,
  filters: SnapshotFilters,
  position: CursorPosition | undefined,
  limit: number,
) {
  const pageIds = selectPage(
    db,
    { id: trainingSnapshots.id },
    organizationId,
    filters,
    position,
    limit,
  );
  return [
    selectPage(db, { snapshot: trainingSnapshots }, organizationId, filters, position, limit),
    db
      .select(snapshotMessage)
      .from(trainingSnapshotMessages)
      .where(
        and(
          inArray(trainingSnapshotMessages.snapshotId, pageIds),
          eq(trainingSnapshotMessages.organizationId, organizationId),
        ),
      )
      .orderBy(asc(trainingSnapshotMessages.snapshotId), asc(trainingSnapshotMessages.position)),
  ] as const;
}

/** The statements of one export page, for EXPLAIN QUERY PLAN checks. */
export const exportQueries = (
  db: Database,
  organizationId: string,
  filters: SnapshotFilters,
  position: CursorPosition | undefined,
  limit: number,
) => exportStatements(db, organizationId, filters, position, limit).map((q) => q.toSQL());

/**
 * One page of the export: snapshots and all their message copies, in one round trip. The copies
 * are fetched for exactly the page's ids (passed as one JSON parameter, so a page of any size
 * stays within D1's bound-parameter limit).
 */
export async function exportPage(
  db: Database,
  organizationId: string,
  filters: SnapshotFilters,
  position: CursorPosition | undefined,
  limit: number,
): Promise<{ snapshots: SnapshotRecord["snapshot"][]; messages: SnapshotMessageRecord[] }> {
  const [rows, copies] = await db.batch(
    exportStatements(db, organizationId, filters, position, limit),
  );
  return {
    snapshots: (rows as Pick<SnapshotRow, "snapshot">[]).map((r) => r.snapshot),
    messages: copies,
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Capture (create)                                                                           */
/* ------------------------------------------------------------------------------------------ */

/** Upper bound on captured messages; one more is read to tell "exactly 1,000" from "too many". */
function selectCapturableMessages(
  db: Database,
  organizationId: string,
  source: { contactId: string; conversationId?: string; messageIds?: string[] },
  limit: number,
) {
  return db
    .select({
      id: messages.id,
      direction: messages.direction,
      senderType: messages.senderType,
      message: messages.message,
      createdAt: messages.createdAt,
    })
    .from(conversations)
    .innerJoin(messages, sameTenant(conversations, messages.conversationId, messages))
    .where(
      and(
        eq(conversations.contactId, source.contactId),
        eq(conversations.organizationId, organizationId),
        eq(messages.organizationId, organizationId),
        source.conversationId ? eq(conversations.id, source.conversationId) : undefined,
        source.messageIds
          ? sql`${messages.id} in (select value from json_each(${JSON.stringify(source.messageIds)}))`
          : undefined,
      ),
    )
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .limit(limit);
}

export type CapturableMessage = Awaited<ReturnType<typeof selectCapturableMessages>>[number];

/**
 * Everything a new snapshot is made from, in one round trip: the creator, the contact, the named
 * conversation (if any) and the messages to copy, all within the caller's organization.
 */
export async function loadCaptureSources(
  db: Database,
  organizationId: string,
  userId: string,
  source: { contactId: string; conversationId?: string; messageIds?: string[] },
  maxMessages: number,
) {
  const [creator, contact, conversation, captured] = await db.batch([
    db
      .select(snapshotWithRefs.user)
      .from(users)
      .where(and(eq(users.id, userId), eq(users.organizationId, organizationId))),
    db
      .select(snapshotWithRefs.contact)
      .from(contacts)
      .where(and(eq(contacts.id, source.contactId), eq(contacts.organizationId, organizationId))),
    db
      .select({ id: conversations.id, contactId: conversations.contactId })
      .from(conversations)
      .where(
        and(
          eq(conversations.id, source.conversationId ?? ""),
          eq(conversations.organizationId, organizationId),
        ),
      ),
    selectCapturableMessages(db, organizationId, source, maxMessages + 1),
  ]);
  return {
    creator: creator[0] ?? null,
    contact: contact[0] ?? null,
    conversation: conversation[0] ?? null,
    messages: captured,
  };
}

export const captureQueries = (
  db: Database,
  organizationId: string,
  source: { contactId: string; conversationId?: string; messageIds?: string[] },
) => selectCapturableMessages(db, organizationId, source, 1001).toSQL();

export type NewSnapshot = typeof trainingSnapshots.$inferInsert;
export type NewSnapshotMessage = typeof trainingSnapshotMessages.$inferInsert;

/**
 * The snapshot row, its message copies and its tag index rows as one batch: D1 runs a batch as
 * one transaction, so a snapshot is written whole or not at all.
 */
export async function insertSnapshot(
  db: Database,
  snapshot: NewSnapshot & { tags: string[]; isArchived: boolean; createdAt: number },
  copies: NewSnapshotMessage[],
): Promise<void> {
  const tagRows = snapshot.tags.map((tag) => ({
    snapshotId: snapshot.id,
    tag,
    organizationId: snapshot.organizationId,
    isArchived: snapshot.isArchived,
    createdAt: snapshot.createdAt,
  }));
  await db.batch([
    db.insert(trainingSnapshots).values(snapshot),
    ...chunkedInsert(db, trainingSnapshotMessages, copies),
    ...chunkedInsert(db, trainingSnapshotTags, tagRows),
  ] as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/* ------------------------------------------------------------------------------------------ */
/* Update and delete                                                                          */
/* ------------------------------------------------------------------------------------------ */

export interface SnapshotChanges {
  notes?: string | null;
  tags?: string[];
  quality?: "good" | "neutral" | "bad" | null;
  category?: string | null;
  isArchived?: boolean;
}

/** SQLite's message for the guard below: the version was not the one the client last saw. */
const STALE_VERSION = /NOT NULL constraint failed: training_snapshots\.version/;

/**
 * The version the row must have, as SQL: a stale precondition turns the new version into NULL,
 * which the NOT NULL constraint refuses, which aborts the whole batch. That makes the check and
 * the write one atomic step without a read first.
 */
function nextVersion(precondition: Precondition | undefined): SQL {
  const t = trainingSnapshots;
  if (!precondition || "any" in precondition) return sql`${t.version} + 1`;
  return sql`case when ${versionIn(precondition.versions)} then ${t.version} + 1 else null end`;
}

/**
 * `version` is one of these, with the list bound as one JSON parameter: however many versions
 * a header names, the statement stays within D1's 100 bound parameters.
 */
const versionIn = (versions: number[]): SQL =>
  sql`${trainingSnapshots.version} in (select value from json_each(${JSON.stringify(versions)}))`;

export type WriteOutcome<T> =
  | { status: "done"; value: T }
  | { status: "not_found" }
  | { status: "stale" };

/**
 * Applies the changes, keeps the tag index in step, and reads the snapshot back, all in one
 * batch (one round trip, one transaction). `updatedAt` only moves forward, even within one ms.
 */
export async function updateSnapshot(
  db: Database,
  organizationId: string,
  id: string,
  changes: SnapshotChanges,
  precondition: Precondition | undefined,
  now: number,
): Promise<WriteOutcome<SnapshotWithMessages>> {
  const t = trainingSnapshots;
  const statements: BatchItem<"sqlite">[] = [
    db
      .update(t)
      .set({
        ...changes,
        version: nextVersion(precondition),
        updatedAt: sql`max(${t.updatedAt} + 1, ${now})`,
      })
      .where(ofOrganization(organizationId, id)),
  ];
  if (changes.tags) {
    statements.push(
      db
        .delete(trainingSnapshotTags)
        .where(
          and(
            eq(trainingSnapshotTags.snapshotId, id),
            eq(trainingSnapshotTags.organizationId, organizationId),
          ),
        ),
      // New tag rows copy the snapshot's sort keys; joined to the snapshot, so nothing is
      // inserted when it does not exist (or is another tenant's).
      db.insert(trainingSnapshotTags).select(
        db
          .select({
            snapshotId: t.id,
            tag: sql<string>`tags.value`.as("tag"),
            organizationId: t.organizationId,
            isArchived: t.isArchived,
            createdAt: t.createdAt,
          })
          .from(t)
          .innerJoin(sql`json_each(${JSON.stringify(changes.tags)}) as tags`, sql`1`)
          .where(ofOrganization(organizationId, id)),
      ),
    );
  } else if (changes.isArchived !== undefined) {
    statements.push(
      db
        .update(trainingSnapshotTags)
        .set({ isArchived: changes.isArchived })
        .where(
          and(
            eq(trainingSnapshotTags.snapshotId, id),
            eq(trainingSnapshotTags.organizationId, organizationId),
          ),
        ),
    );
  }
  try {
    const results = await db.batch([
      ...statements,
      selectSnapshot(db, organizationId, id),
      selectSnapshotMessages(db, organizationId, id),
    ] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    const rows = results.at(-2) as SnapshotRow[];
    const copies = results.at(-1) as SnapshotMessageRecord[];
    const row = rows[0];
    if (!row) return { status: "not_found" };
    return { status: "done", value: { record: toRecord(row), messages: copies } };
  } catch (error) {
    if (STALE_VERSION.test(findDatabaseError(error)?.message ?? "")) return { status: "stale" };
    throw error;
  }
}

/** Deletes the snapshot (copies and tags cascade), honouring an `If-Match` precondition. */
export async function deleteSnapshot(
  db: Database,
  organizationId: string,
  id: string,
  precondition: Precondition | undefined,
): Promise<WriteOutcome<null>> {
  const t = trainingSnapshots;
  const versionCheck =
    precondition && "versions" in precondition ? versionIn(precondition.versions) : undefined;
  const deleted = await db
    .delete(t)
    .where(and(ofOrganization(organizationId, id), versionCheck))
    .returning({ id: t.id });
  if (deleted.length > 0) return { status: "done", value: null };
  if (!versionCheck) return { status: "not_found" };
  const [still] = await db.select({ id: t.id }).from(t).where(ofOrganization(organizationId, id));
  return { status: still ? "stale" : "not_found" };
}
