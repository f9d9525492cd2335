import type { BatchItem } from "drizzle-orm/batch";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/** D1 refuses statements with more than 100 bound parameters. */
export const D1_MAX_PARAMETERS = 100;

/**
 * Multi-row INSERTs for a batch, each under D1's bound-parameter limit: rows per statement =
 * ⌊100 / columns⌋ (12 message copies, 20 tag rows, 5 snapshots).
 */
export function chunkedInsert<T extends SQLiteTable>(
  db: DrizzleD1Database,
  table: T,
  rows: T["$inferInsert"][],
): BatchItem<"sqlite">[] {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0] as object).length;
  const size = Math.max(1, Math.floor(D1_MAX_PARAMETERS / columns));
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += size) {
    statements.push(db.insert(table).values(rows.slice(i, i + size)));
  }
  return statements;
}
