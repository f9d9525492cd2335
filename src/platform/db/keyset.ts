import { type Column, type SQL, sql } from "drizzle-orm";

/** Where a newest-first page stopped: its last item's (createdAt, id). */
export interface CursorPosition {
  createdAt: number;
  id: string;
}

/**
 * The range conditions of a newest-first keyset page over (createdAt, id): the optional lower
 * bound, and one upper bound only, the tighter of `createdBefore` and the cursor. SQLite ranges
 * an index on a single upper bound; a second one left as a filter would make deep pages scan
 * from the top of the range.
 */
export function keysetRange(
  createdAt: Column,
  id: Column,
  range: { createdAfter?: number; createdBefore?: number },
  position: CursorPosition | undefined,
): SQL[] {
  const conditions: SQL[] = [];
  if (range.createdAfter !== undefined) conditions.push(sql`${createdAt} > ${range.createdAfter}`);
  const cursorIsTighter =
    position !== undefined &&
    (range.createdBefore === undefined || position.createdAt < range.createdBefore);
  if (cursorIsTighter) {
    conditions.push(sql`(${createdAt}, ${id}) < (${position.createdAt}, ${position.id})`);
  } else if (range.createdBefore !== undefined) {
    conditions.push(sql`${createdAt} < ${range.createdBefore}`);
  }
  return conditions;
}
