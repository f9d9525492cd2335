import { and, desc, eq, exists, type SQL, sql } from "drizzle-orm";
import type { SelectedFields } from "drizzle-orm/sqlite-core";
import type { Database } from "../../../../platform/db/client";
import { type CursorPosition, keysetRange } from "../../../../platform/db/keyset";
import { trainingSnapshots, trainingSnapshotTags } from "../../../../platform/db/schema";
import {
  containsPattern,
  searchMatch,
  snapshotSearch,
  usesSearchIndex,
} from "../../../../platform/db/search";
import { sameTenant } from "../../../../platform/db/tenant";
import { snapshotListItemJson, withSnapshotRefs } from "../snapshots.document";
import type { SnapshotFilters } from "../snapshots.schemas";

/** `q` shorter than the index's trigrams: a substring test on the rows the list walks anyway. */
const containsText = (q: string) => {
  const pattern = containsPattern(q);
  return sql`(${trainingSnapshots.notes} glob ${pattern} or ${trainingSnapshots.customerName} glob ${pattern})`;
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
  return withSnapshotRefs(query)
    .where(and(...conditions))
    .orderBy(desc(createdAt), desc(id))
    .limit(limit);
}

// The export needs no creator or contact: SQLite drops LEFT JOINs whose columns are never used.

/** What a list page reads of each snapshot: its list item (JSON text) and its cursor position. */
export type SnapshotListRow = { doc: string; createdAt: number; id: string };

/**
 * Up to `limit` list items after `position`; one statement, sent as a batch so that a check
 * queued for this request (the caller's freshness) rides in the same round trip.
 */
export async function listSnapshots(
  db: Database,
  organizationId: string,
  filters: SnapshotFilters,
  position: CursorPosition | undefined,
  limit: number,
): Promise<SnapshotListRow[]> {
  const [rows] = await db.batch([
    selectDocumentPage(db, snapshotListItemJson, organizationId, filters, position, limit),
  ]);
  return rows as SnapshotListRow[];
}

export const listSnapshotsQuery = (
  db: Database,
  organizationId: string,
  filters: SnapshotFilters,
  position: CursorPosition | undefined,
  limit: number,
) => selectDocumentPage(db, snapshotListItemJson, organizationId, filters, position, limit).toSQL();

/** A list page's select, for another document: what the export reads a page of. */
export const selectDocumentPage = (
  db: Database,
  doc: SQL,
  organizationId: string,
  filters: SnapshotFilters,
  position: CursorPosition | undefined,
  limit: number,
) =>
  selectPage(
    db,
    {
      doc: sql<string>`${doc}`.as("doc"),
      createdAt: trainingSnapshots.createdAt,
      id: trainingSnapshots.id,
    },
    organizationId,
    filters,
    position,
    limit,
  );

/**
 * One page of the export: each snapshot as `doc` (an export item or a fine-tuning line, JSON
 * text, its copies included), in one round trip.
 */
export async function exportPage(
  db: Database,
  doc: SQL,
  organizationId: string,
  filters: SnapshotFilters,
  position: CursorPosition | undefined,
  limit: number,
): Promise<SnapshotListRow[]> {
  const [rows] = await db.batch([
    selectDocumentPage(db, doc, organizationId, filters, position, limit),
  ]);
  return rows as SnapshotListRow[];
}
