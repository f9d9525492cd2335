import type { Database } from "../../../../platform/db/client";
import {
  type SnapshotWithMessages,
  selectSnapshot,
  selectSnapshotMessages,
  toRecord,
} from "./records";

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
