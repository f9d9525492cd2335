import { type Column, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Slots } from "./rendered-once";

/** Where a newest-first page stopped: its last item's (createdAt, id). */
export interface CursorPosition {
  createdAt: number;
  id: string;
}

/**
 * The values of a newest-first keyset page's range over (createdAt, id): the optional lower
 * bound, and one upper bound only, the tighter of `createdBefore` and the cursor (with its id as
 * tie-break). SQLite ranges an index on a single upper bound; a second one left as a filter
 * would make deep pages scan from the top of the range.
 */
export interface KeysetValues {
  after?: number | undefined;
  beforeAt?: number | undefined;
  beforeId?: string | undefined;
}

export function keysetValues(
  range: { createdAfter?: number | undefined; createdBefore?: number | undefined },
  position: CursorPosition | undefined,
): KeysetValues {
  const cursorIsTighter =
    position !== undefined &&
    (range.createdBefore === undefined || position.createdAt < range.createdBefore);
  return {
    after: range.createdAfter,
    beforeAt: cursorIsTighter ? position.createdAt : range.createdBefore,
    beforeId: cursorIsTighter ? position.id : undefined,
  };
}

/** The range conditions of `keysetValues`, on the (createdAt, id) the page is ordered by. */
export function keysetRange(
  createdAt: Column | SQLWrapper,
  id: Column | SQLWrapper,
  p: Slots<KeysetValues>,
): SQL[] {
  const conditions: SQL[] = [];
  if (p.after) conditions.push(sql`${createdAt} > ${p.after}`);
  if (p.beforeId) conditions.push(sql`(${createdAt}, ${id}) < (${p.beforeAt}, ${p.beforeId})`);
  else if (p.beforeAt) conditions.push(sql`${createdAt} < ${p.beforeAt}`);
  return conditions;
}

/**
 * A page row's cursor position, named as the list reads it (a rendered statement's rows are
 * keyed by their column names).
 */
export const pagePosition = (createdAt: Column | SQLWrapper, id: Column | SQLWrapper) => ({
  createdAt: sql<number>`${createdAt}`.as("createdAt"),
  id: sql<string>`${id}`.as("id"),
});
