import { getTableColumns, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/** D1 refuses statements with more than 100 bound parameters. */
export const D1_MAX_PARAMETERS = 100;

/**
 * Characters of JSON one statement binds: D1 refuses a value over 2,000,000 bytes, and a
 * character takes at most 3 bytes in UTF-8.
 */
const MAX_JSON_CHARACTERS = 600_000;

/** The rows as JSON arrays, each under the size one bound value may have. */
export function jsonChunks(rows: object[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const row of rows) {
    const text = JSON.stringify(row);
    if (current.length > 0 && size + text.length + 1 > MAX_JSON_CHARACTERS) {
      chunks.push(`[${current.join(",")}]`);
      current = [];
      size = 2;
    }
    current.push(text);
    size += text.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(",")}]`);
  return chunks;
}

/** A key of the row being inserted (`chunkedInsert`'s `computed` columns read others with it). */
export const rowField = (path: string): SQL => sql`"row"."value" ->> ${`$.${path}`}`;

/**
 * INSERTs of many rows for a batch: the rows are bound as one JSON array per statement (chunked
 * under D1's size for a value) and read back by `json_each`, so a thousand messages are one
 * statement of a dozen parameters, not a hundred statements of a hundred, and nothing but
 * parameters carries the values. Every column of the table is read from the row's key of the
 * same name (absent: the column's default, else null), unless `computed` gives it as SQL over
 * the row (`rowField`). `onConflict: "ignore"` skips rows a unique constraint refuses.
 */
export function chunkedInsert<
  T extends SQLiteTable,
  C extends keyof T["$inferInsert"] & string = never,
>(
  db: DrizzleD1Database,
  table: T,
  rows: (Omit<T["$inferInsert"], C> & Record<string, unknown>)[],
  options: { computed?: Record<C, SQL>; onConflict?: "ignore" } = {},
): BatchItem<"sqlite">[] {
  if (rows.length === 0) return [];
  return jsonInserts(db, table, givenKeys(rows), jsonChunks(rows), options);
}

/** The keys the rows give (any row), sorted: which columns `jsonInserts` reads from them. */
export const givenKeys = (rows: object[]): string[] =>
  [...new Set(rows.flatMap((row) => Object.keys(row)))].sort();

/**
 * `chunkedInsert`'s statements for rows already bound as JSON chunks (`jsonChunks`), or for the
 * placeholders of the chunks of a statement rendered once: one INSERT per chunk.
 */
export function jsonInserts<T extends SQLiteTable>(
  db: DrizzleD1Database,
  table: T,
  given: readonly string[],
  chunks: readonly (string | Placeholder)[],
  options: { computed?: Record<string, SQL>; onConflict?: "ignore" } = {},
): BatchItem<"sqlite">[] {
  const fields = Object.fromEntries(
    Object.entries(getTableColumns(table)).map(([key, column]) => {
      const computed = options.computed?.[key];
      const value =
        computed ??
        (given.includes(key)
          ? rowField(key)
          : column.hasDefault && column.default !== undefined
            ? sql`${column.default}`
            : sql`null`);
      return [key, value.as(column.name)];
    }),
  );
  return chunks.map((json) => {
    const select = db
      .select(fields)
      .from(sql`json_each(${json}) as "row"`)
      // SQLite needs a WHERE before an upsert's ON CONFLICT after a SELECT.
      .where(sql`true`);
    const insert = db.insert(table).select(select as never);
    return options.onConflict === "ignore" ? insert.onConflictDoNothing() : insert;
  });
}
