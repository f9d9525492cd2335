import { renderedOnce } from "../../../../platform/db/rendered-once";
import type { RequestDatabase } from "../../../../platform/db/request-database";
import { selectSnapshotDocument } from "../snapshots.document";

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
 * statement (the caller's freshness check is folded into it); null when the organization has none.
 */
export async function findSnapshotDocument(
  db: RequestDatabase,
  organizationId: string,
  id: string,
): Promise<{ version: number; doc: string } | null> {
  return db.readFirst(snapshotDocumentQuery(organizationId, id));
}
