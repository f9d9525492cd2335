import { and, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../../../../platform/db/client";
import { trainingSnapshots, trainingSnapshotTags } from "../../../../platform/db/schema";
import { findDatabaseError } from "../../../../platform/errors/database-error";
import type { Outbox } from "../../../../platform/events/outbox";
import type { Precondition } from "../../../../platform/http/etag";
import { selectSnapshotDocument, snapshotDocumentSql } from "../snapshots.document";
import type { SnapshotChanges } from "../snapshots.schemas";

/** A snapshot's document (JSON text) and its version, as a write's answer reads it back. */
export interface SnapshotDocument {
  version: number;
  doc: string;
}

export const ofOrganization = (organizationId: string, id: string) =>
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
    const results = await db.batch([
      ...statements,
      // After the tags: the document shows them. Only for a snapshot that is there.
      outbox.event(
        db,
        organizationId,
        "training.snapshot.updated",
        snapshotDocumentSql(db, organizationId, id),
        { when: sql`exists (select 1 from ${t} where ${ofOrganization(organizationId, id)})`, now },
      ),
      selectSnapshotDocument(db, organizationId, id),
    ] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    const [found] = results.at(-1) as SnapshotDocument[];
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
  db: Database,
  outbox: Outbox,
  organizationId: string,
  id: string,
  precondition: Precondition | undefined,
): Promise<WriteOutcome<null>> {
  const t = trainingSnapshots;
  const versionCheck =
    precondition && "versions" in precondition ? versionIn(precondition.versions) : undefined;
  const [deleted] = await db.batch([
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
