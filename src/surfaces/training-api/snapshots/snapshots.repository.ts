import { and, eq, exists, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunkedInsert, type RowField } from "../../../platform/db/chunked-insert";
import type { Database } from "../../../platform/db/client";
import * as keyset from "../../../platform/db/keyset";
import { renderedOnce, renderedPerShape } from "../../../platform/db/rendered-once";
import type { RequestDatabase } from "../../../platform/db/request-database";
import {
  trainingSnapshotMessages,
  trainingSnapshots,
  trainingSnapshotTags,
} from "../../../platform/db/schema";
import {
  containsPattern,
  searchMatch,
  snapshotSearch,
  snapshotSearchText,
  usesSearchIndex,
} from "../../../platform/db/search";
import { statementOf } from "../../../platform/db/statement";
import { sameTenant } from "../../../platform/db/tenant";
import { findDatabaseError } from "../../../platform/errors/database-error";
import { eventInsert, type Outbox } from "../../../platform/events/outbox";
import type { Precondition } from "../../../platform/http/etag";
import {
  exportItemJson,
  fineTuningLineJson,
  selectSnapshotDocument,
  snapshotDocumentSql,
  snapshotListItemJson,
  withSnapshotRefs,
} from "./snapshots.document";
import type { SnapshotChanges, SnapshotFilters } from "./snapshots.schemas";

/*
 * The snapshots' reads and writes: one document read (GET), list and export pages, the writes of
 * a capture, a PATCH and a DELETE, each one D1 round trip.
 */

/**
 * The GET's statement: the snapshot, its creator, contact and message copies as the `data`
 * JSON text, built inside SQLite (no rows to map, nothing to stringify), rendered once per isolate.
 */
const snapshotDocument = renderedOnce(["organizationId", "id"], (db, p) =>
  selectSnapshotDocument(db, p.organizationId, p.id),
);

/** The statement `findSnapshotDocument` runs, for EXPLAIN QUERY PLAN checks. */
export const snapshotDocumentQuery = (organizationId: string, id: string) =>
  snapshotDocument({ organizationId, id });

/**
 * A snapshot as GET returns it (`doc`, JSON text) with its version, in one D1 round trip of one
 * statement (the caller's freshness check travels inside it); null when the organization has none.
 */
export async function findSnapshotDocument(
  db: RequestDatabase,
  organizationId: string,
  id: string,
): Promise<{ version: number; doc: string } | null> {
  return db.readFirst(snapshotDocumentQuery(organizationId, id));
}

/** A snapshot has this tag: a lookup through the tags' primary key. */
const hasTag = (db: Database, tag: Placeholder) => {
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

/** What a page's statement binds: its filters, the range of its cursor, its size. */
type PageValues = keyset.PageValues & {
  organizationId: string;
  isArchived: boolean;
  /** A search of 3+ characters, as the full-text index's query. */
  match?: string | undefined;
  /** A shorter one, as a GLOB pattern tested on the rows the list walks anyway. */
  pattern?: string | undefined;
  /** The tag whose index drives the page (the first, when there is no search). */
  drivingTag?: string | undefined;
  /** The tags checked on each row. */
  checkedTags?: string[] | undefined;
  quality?: string | undefined;
  category?: string | undefined;
  contactId?: string | undefined;
};

/** The documents a page reads of each snapshot: its list item, an export item, a JSONL line. */
const PAGE_DOCUMENTS = {
  list: snapshotListItemJson,
  export: exportItemJson,
  jsonl: fineTuningLineJson,
} as const;
export type SnapshotPageDocument = keyof typeof PAGE_DOCUMENTS;

/**
 * One page, newest first with the id as tie-break, after the cursor, each row as `doc` (the
 * shape: which of its documents). Which index drives it:
 * - a search `q` of 3+ characters: the full-text index, which yields that organization's
 *   matching snapshots (cost follows the number of matches, which are then sorted), every other
 *   filter checked on each match;
 * - else a tag: the tag index (organization, tag, archived, created_at, snapshot id), which is in
 *   list order; further tags are checked per row through the tags' primary key;
 * - else the snapshot index that matches the filters and the order.
 * Without a search a page costs the same at any depth: the cursor is a range bound on the
 * index, never an OFFSET. Rendered once per document and set of filters given.
 */
const pageStatement = renderedPerShape<PageValues, SnapshotPageDocument>((db, p, document) => {
  const s = trainingSnapshots;
  const t = trainingSnapshotTags;
  // The driving index's (created_at, id): the tag rows' when a tag drives the page.
  const page = p.drivingTag
    ? keyset.page(t.createdAt, t.snapshotId, p)
    : keyset.page(s.createdAt, s.id, p);
  const conditions: (SQL | undefined)[] = [
    p.drivingTag
      ? and(
          eq(t.organizationId, p.organizationId),
          eq(t.tag, p.drivingTag),
          eq(t.isArchived, p.isArchived),
        )
      : and(eq(s.organizationId, p.organizationId), eq(s.isArchived, p.isArchived)),
    p.match ? and(searchMatch(p.match), sql`${s}.rowid = ${snapshotSearch.rowid}`) : undefined,
    p.pattern
      ? sql`(${s.notes} glob ${p.pattern} or ${s.customerName} glob ${p.pattern})`
      : undefined,
    p.quality ? eq(s.quality, p.quality) : undefined,
    p.category ? eq(s.category, p.category) : undefined,
    p.contactId ? eq(s.contactId, p.contactId) : undefined,
    ...(p.checkedTags ?? []).map((tag) => hasTag(db, tag)),
    ...page.range,
  ];
  let query = db
    .select({
      doc: sql<string>`${PAGE_DOCUMENTS[document]}`.as("doc"),
      // The snapshot's own position, whichever index drives the page.
      ...keyset.page(s.createdAt, s.id, p).position,
    })
    .from(p.match ? snapshotSearch : p.drivingTag ? t : s)
    .$dynamic();
  // CROSS JOIN keeps the index as the outer loop: SQLite would otherwise walk the organization's
  // snapshots and run the full-text query once per row.
  if (p.match) query = query.crossJoin(s);
  if (p.drivingTag) query = query.innerJoin(s, sameTenant(s, t.snapshotId, t));
  return withSnapshotRefs(query)
    .where(and(...conditions))
    .orderBy(...page.order)
    .limit(page.limit);
});

/** What a list page reads of each snapshot: one of its documents (JSON text), its position. */
export type SnapshotListRow = { doc: string; createdAt: number; id: string };

/** The statement of a page: what `listSnapshots` sends, and EXPLAIN QUERY PLAN checks. */
export function listSnapshotsQuery(
  organizationId: string,
  filters: SnapshotFilters,
  position: keyset.CursorPosition | undefined,
  limit: number,
  document: SnapshotPageDocument = "list",
) {
  const { q, tag = [] } = filters;
  const indexed = q !== undefined && usesSearchIndex(q);
  const [drivingTag, ...otherTags] = indexed ? [] : tag;
  return pageStatement(
    {
      organizationId,
      isArchived: filters.isArchived,
      match: indexed ? snapshotSearchText(organizationId, q) : undefined,
      pattern: q !== undefined && !indexed ? containsPattern(q) : undefined,
      drivingTag,
      checkedTags: indexed ? tag : otherTags,
      quality: filters.quality,
      category: filters.category,
      contactId: filters.contactId,
      ...keyset.values(position, limit, filters),
    },
    document,
  );
}

/**
 * Up to `limit` snapshots after `position`, each as `doc`: its list item, or another of its
 * documents (the export's item or fine-tuning line, copies included). One statement, sent as a
 * batch so that a check deferred for this request (the caller's freshness) travels in the same
 * round trip.
 */
export const listSnapshots = (
  db: RequestDatabase,
  organizationId: string,
  filters: SnapshotFilters,
  position: keyset.CursorPosition | undefined,
  limit: number,
  document: SnapshotPageDocument = "list",
) =>
  db.readPage<SnapshotListRow>(
    listSnapshotsQuery(organizationId, filters, position, limit, document),
  );

export type NewSnapshot = typeof trainingSnapshots.$inferInsert;
export type NewSnapshotMessage = typeof trainingSnapshotMessages.$inferInsert;

/** A snapshot row to insert, with the tags its index rows are made from. */
export type SnapshotInsert = NewSnapshot & {
  tags: string[];
  isArchived: boolean;
  createdAt: number;
};

/**
 * The statements that write new snapshots: the rows, their message copies and their tag index
 * rows, a few statements however many, every value bound. A taken id breaks the primary key and
 * the batch they are in writes nothing. The one way snapshots are written: one by the API's
 * capture, many at a time by the bulk import, whose rows carry their customer (`contact`) and
 * find or make the contact in the same batch (`linkContact`).
 */
export function snapshotInserts(
  db: Database,
  snapshots: { snapshot: SnapshotInsert; copies: NewSnapshotMessage[] }[],
  linkContact?: (row: RowField) => SQL,
): BatchItem<"sqlite">[] {
  const rows = snapshots.map(({ snapshot }) => snapshot);
  const tagRows = rows.flatMap((snapshot) =>
    snapshot.tags.map((tag) => ({
      snapshotId: snapshot.id,
      tag,
      organizationId: snapshot.organizationId,
      isArchived: snapshot.isArchived,
      createdAt: snapshot.createdAt,
    })),
  );
  return [
    ...(linkContact
      ? chunkedInsert(db, trainingSnapshots, rows, { computed: { contactId: linkContact } })
      : chunkedInsert(db, trainingSnapshots, rows)),
    ...chunkedInsert(
      db,
      trainingSnapshotMessages,
      snapshots.flatMap(({ copies }) => copies),
    ),
    ...chunkedInsert(db, trainingSnapshotTags, tagRows),
  ];
}

/**
 * A new snapshot (`snapshotInserts`) and its event as one batch, then its document read back:
 * D1 runs a batch as one transaction, so a snapshot is written whole or not at all.
 */
export async function insertSnapshot(
  db: RequestDatabase,
  outbox: Outbox,
  snapshot: SnapshotInsert,
  copies: NewSnapshotMessage[],
): Promise<{ version: number; doc: string }> {
  const { organizationId, id } = snapshot;
  const results = await outbox.batch(db, [
    ...snapshotInserts(db, [{ snapshot, copies }]),
    outbox.event(
      db,
      organizationId,
      "training.snapshot.created",
      snapshotDocumentSql(db, organizationId, id),
      { now: snapshot.createdAt },
    ),
    selectSnapshotDocument(db, organizationId, id),
  ] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  const [created] = results.at(-1) as { version: number; doc: string }[];
  return created as { version: number; doc: string };
}

/** A snapshot's document (JSON text) and its version, as a write's answer reads it back. */
export interface SnapshotDocument {
  version: number;
  doc: string;
}

export const ofOrganization = (organizationId: string | Placeholder, id: string | Placeholder) =>
  and(eq(trainingSnapshots.organizationId, organizationId), eq(trainingSnapshots.id, id));

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

/** The event its batch announces: named once, for its insert and for the outbox. */
const UPDATED = "training.snapshot.updated" as const;

/** The event of a PATCH, only for a snapshot that is there: its document, rendered once. */
const snapshotUpdated = renderedOnce(["eventId", "organizationId", "id", "now"], (db, p) =>
  eventInsert(db, {
    id: p.eventId,
    organizationId: p.organizationId,
    type: UPDATED,
    data: snapshotDocumentSql(db, p.organizationId, p.id),
    now: p.now,
    when: sql`exists (select 1 from ${trainingSnapshots} where ${ofOrganization(p.organizationId, p.id)})`,
  }),
);

export type WriteOutcome<T> =
  | { status: "done"; value: T }
  | { status: "not_found" }
  | { status: "stale" };

/**
 * Applies the changes, keeps the tag index in step, and reads the snapshot back, all in one
 * batch (one round trip, one transaction). `updatedAt` only moves forward, even within one ms.
 */
export async function updateSnapshot(
  db: RequestDatabase,
  outbox: Outbox,
  organizationId: string,
  id: string,
  changes: SnapshotChanges,
  precondition: Precondition | undefined,
  now: number,
): Promise<WriteOutcome<SnapshotDocument>> {
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
    const event = outbox.newEvent(organizationId, UPDATED, now);
    // After the tags: the event and the answer show them. Rendered once: most of the SQL.
    const batch = [
      ...statements.map(statementOf),
      snapshotUpdated({ eventId: event.id, organizationId, id, now }),
      snapshotDocumentQuery(organizationId, id),
    ];
    const results = await outbox.batchStatements(db, batch, [[batch.length - 2, event]]);
    const [found] = results.at(-1) as unknown as SnapshotDocument[];
    return found ? { status: "done", value: found } : { status: "not_found" };
  } catch (error) {
    if (STALE_VERSION.test(findDatabaseError(error)?.message ?? "")) return { status: "stale" };
    throw error;
  }
}

/**
 * Deletes the snapshot (copies and tags cascade), honouring an `If-Match` precondition; the
 * event rides in the same batch, written only if the delete was.
 */
export async function deleteSnapshot(
  db: RequestDatabase,
  outbox: Outbox,
  organizationId: string,
  id: string,
  precondition: Precondition | undefined,
): Promise<WriteOutcome<null>> {
  const t = trainingSnapshots;
  const versionCheck =
    precondition && "versions" in precondition ? versionIn(precondition.versions) : undefined;
  const [deleted] = await outbox.batch(db, [
    db
      .delete(t)
      .where(and(ofOrganization(organizationId, id), versionCheck))
      .returning({ id: t.id }),
    outbox.event(db, organizationId, "training.snapshot.deleted", JSON.stringify({ _id: id }), {
      when: sql`changes() > 0`,
    }),
  ]);
  if (deleted.length > 0) return { status: "done", value: null };
  if (!versionCheck) return { status: "not_found" };
  const [still] = await db.select({ id: t.id }).from(t).where(ofOrganization(organizationId, id));
  return { status: still ? "stale" : "not_found" };
}
