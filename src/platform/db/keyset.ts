import { type Column, desc, type Placeholder, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { type Literal, literal, type Slots } from "./rendered-once";

/*
 * Newest-first keyset pages over (createdAt, id): the values a page binds (`values`) and the
 * parts of its statement (`page`), for a list's statement rendered once per shape. The cursor
 * is a range bound on the list's index, never an OFFSET: page 500 costs what page 1 does.
 * Import as a namespace: `import * as keyset from ".../keyset"`.
 */

/** Where a newest-first page stopped: its last item's (createdAt, id). */
export interface CursorPosition {
  createdAt: number;
  id: string;
}

/**
 * What a page binds: its size, the optional lower bound, and one upper bound only, the tighter
 * of `createdBefore` and the cursor (with its id as tie-break). SQLite ranges an index on a
 * single upper bound; a second one left as a filter would make deep pages scan from the top of
 * the range.
 */
export interface PageValues {
  /** Written into the statement's text (./rendered-once.ts, `Literal`). */
  limit: Literal;
  after?: number | undefined;
  beforeAt?: number | undefined;
  beforeId?: string | undefined;
}

/** The values of the page of `limit` rows after `position`, within `range`. */
export function values(
  position: CursorPosition | undefined,
  limit: number,
  range: { createdAfter?: number | undefined; createdBefore?: number | undefined } = {},
): PageValues {
  const cursorIsTighter =
    position !== undefined &&
    (range.createdBefore === undefined || position.createdAt < range.createdBefore);
  return {
    limit: literal(limit),
    after: range.createdAfter,
    beforeAt: cursorIsTighter ? position.createdAt : range.createdBefore,
    beforeId: cursorIsTighter ? position.id : undefined,
  };
}

/** Newest first on (createdAt, id). */
export const newestFirst = (createdAt: Column | SQLWrapper, id: Column | SQLWrapper): SQL[] => [
  desc(createdAt),
  desc(id),
];

/** A row's position, named as a page's rows carry it (`createdAt`, `id`). */
export const position = (
  createdAt: Column | SQLWrapper,
  id: Column | SQLWrapper,
): Record<"createdAt" | "id", SQL.Aliased> => ({
  createdAt: sql<number>`${createdAt}`.as("createdAt"),
  id: sql<string>`${id}`.as("id"),
});

/**
 * The parts of a page's statement on the (createdAt, id) it is ordered by: each row's position
 * (named as the list reads it: a rendered statement's rows are keyed by their column names), the
 * range conditions, the order and the size.
 */
export function page(
  createdAt: Column | SQLWrapper,
  id: Column | SQLWrapper,
  p: Slots<PageValues>,
): {
  position: Record<"createdAt" | "id", SQL.Aliased>;
  range: SQL[];
  order: SQL[];
  limit: Placeholder;
} {
  const range: SQL[] = [];
  if (p.after) range.push(sql`${createdAt} > ${p.after}`);
  if (p.beforeId) range.push(sql`(${createdAt}, ${id}) < (${p.beforeAt}, ${p.beforeId})`);
  else if (p.beforeAt) range.push(sql`${createdAt} < ${p.beforeAt}`);
  return {
    position: position(createdAt, id),
    range,
    order: newestFirst(createdAt, id),
    // Drizzle's `limit()` is typed for a number or a placeholder, and writes any fragment it is
    // given into the text: the literal's.
    limit: p.limit as unknown as Placeholder,
  };
}
