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

/**
 * Most characters of a row inserted as VALUES (`jsonInserts`' `oneRow`): each column read binds
 * its chunk again, so a longer row (a long message) is read once by `json_each` instead.
 */
const ONE_ROW_MAX_CHARACTERS = 1_000;

/** Whether rows bound as `chunks` are inserted as one row (`jsonInserts`' `oneRow`). */
export const isOneRow = (rows: readonly object[], chunks: readonly string[]): boolean =>
  rows.length === 1 && chunks.length === 1 && (chunks[0]?.length ?? 0) <= ONE_ROW_MAX_CHARACTERS;

/** A key of the row being inserted, as SQL (`row("contact.id")`): what `computed` columns read. */
export type RowField = (path: string) => SQL;

/** A row's key path, checked: it is written into the statement's text, never a value. */
const pathOf = (prefix: "$" | "$[0]", path: string): SQL => {
  if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(path)) throw new Error(`not a row key: ${path}`);
  return sql.raw(`'${prefix}.${path}'`);
};

/** A key of the row `json_each` is at. */
const eachRowField: RowField = (path) => sql`"row"."value" ->> ${pathOf("$", path)}`;

/** A key of the one row of a chunk bound whole (`[row]`). */
const oneRowField =
  (chunk: string | Placeholder): RowField =>
  (path) =>
    sql`${chunk} ->> ${pathOf("$[0]", path)}`;

type InsertOptions<C extends string> = {
  /** Columns given as SQL over the row instead of read from its key of the same name. */
  computed?: Record<C, (row: RowField) => SQL>;
  /** Skip the rows a unique constraint refuses. */
  onConflict?: "ignore";
};

/**
 * INSERTs of rows for a batch, every value bound: the rows are bound as one JSON array per
 * statement (chunked under D1's size for a value), so a thousand messages are one statement of a
 * few parameters, not a hundred statements of a hundred. Every column of the table is read from
 * the row's key of the same name (absent: the column's default, else null), unless `computed`
 * gives it as SQL over the row. `onConflict: "ignore"` skips rows a unique constraint refuses.
 * A short row alone is inserted as VALUES (`jsonInserts`), rows are otherwise read by `json_each`.
 */
export function chunkedInsert<
  T extends SQLiteTable,
  C extends keyof T["$inferInsert"] & string = never,
>(
  db: DrizzleD1Database,
  table: T,
  rows: (Omit<T["$inferInsert"], C> & Record<string, unknown>)[],
  options: InsertOptions<C> = {},
): BatchItem<"sqlite">[] {
  if (rows.length === 0) return [];
  const chunks = jsonChunks(rows);
  return jsonInserts(db, table, givenKeys(rows), chunks, {
    ...options,
    oneRow: isOneRow(rows, chunks),
  });
}

/** The keys the rows give (any row), sorted: which columns `jsonInserts` reads from them. */
export const givenKeys = (rows: object[]): string[] =>
  [...new Set(rows.flatMap((row) => Object.keys(row)))].sort();

/**
 * `chunkedInsert`'s statements for rows already bound as JSON chunks (`jsonChunks`), or for the
 * placeholders of the chunks of a statement rendered once: one INSERT per chunk.
 *
 * `oneRow` (`isOneRow`: the one chunk holds one short row) writes `INSERT … VALUES`, each value
 * read from the chunk. Inside a batch's transaction SQLite gives an `INSERT … SELECT` a statement
 * journal (it may write many rows, then abort), and journaling every page it touches costs more
 * than the insert itself on a table with many indexes; a VALUES of one row needs none.
 */
export function jsonInserts<T extends SQLiteTable>(
  db: DrizzleD1Database,
  table: T,
  given: readonly string[],
  chunks: readonly (string | Placeholder)[],
  options: InsertOptions<string> & { oneRow?: boolean } = {},
): BatchItem<"sqlite">[] {
  const columns = Object.entries(getTableColumns(table));
  const valuesOf = (row: RowField): [key: string, value: SQL, name: string][] =>
    columns.map(([key, column]) => {
      const computed = options.computed?.[key];
      const value = computed
        ? computed(row)
        : given.includes(key)
          ? row(key)
          : column.hasDefault && column.default !== undefined
            ? sql`${column.default}`
            : sql`null`;
      return [key, value, column.name];
    });
  const ignoring = <I extends { onConflictDoNothing(): unknown }>(insert: I) =>
    (options.onConflict === "ignore" ? insert.onConflictDoNothing() : insert) as I;

  if (options.oneRow) {
    const [chunk, ...more] = chunks;
    if (chunk === undefined || more.length > 0) throw new Error("one row is one chunk");
    const values = Object.fromEntries(valuesOf(oneRowField(chunk)).map(([key, v]) => [key, v]));
    return [ignoring(db.insert(table).values(values as never))];
  }
  const fields = Object.fromEntries(
    valuesOf(eachRowField).map(([key, value, name]) => [key, value.as(name)]),
  );
  return chunks.map((json) => {
    const select = db
      .select(fields)
      .from(sql`json_each(${json}) as "row"`)
      // SQLite needs a WHERE before an upsert's ON CONFLICT after a SELECT.
      .where(sql`true`);
    return ignoring(db.insert(table).select(select as never));
  });
}
