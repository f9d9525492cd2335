import { type Column, type SQL, sql } from "drizzle-orm";

type Aliased<T extends Record<string, Column>> = {
  [K in keyof T]: SQL.Aliased<
    T[K]["_"]["notNull"] extends true ? T[K]["_"]["data"] : T[K]["_"]["data"] | null
  >;
};

/**
 * D1 hands back the rows of a `batch` as objects keyed by column name, so two joined tables'
 * columns of the same name (`id`, `email`, …) overwrite each other before Drizzle sees them.
 * Selecting a joined table's columns under prefixed aliases keeps every value, still decoded
 * as its column.
 */
export function aliased<T extends Record<string, Column>>(prefix: string, columns: T): Aliased<T> {
  const out: Record<string, SQL.Aliased> = {};
  for (const [key, column] of Object.entries(columns)) {
    out[key] = sql`${column}`.mapWith(column).as(`${prefix}${column.name}`);
  }
  return out as Aliased<T>;
}

/** An aliased LEFT JOIN that matched nothing is a row of nulls: make it the `null` it means. */
export const presentOrNull = <T extends { id: string | null }>(
  row: T,
): (T & { id: string }) | null => (row.id === null ? null : (row as T & { id: string }));
