import type { z } from "@hono/zod-openapi";
import { type AnyColumn, type SQL, sql } from "drizzle-orm";

/*
 * The JSON documents the API answers, built inside SQLite: each is written once, against the
 * Drizzle tables, and rendered into whichever statement reads it (a GET, a list page, the read at
 * the end of a write's batch, an event written in the same batch as its change). Columns are
 * typed Drizzle columns, so a renamed or retyped column fails `tsc`; keys come in the order the
 * document's zod schema lists them, so the schema that documents a document also orders it.
 *
 * A JSON value loses its JSON subtype when it comes out of a subquery or a CASE: `json(…)` gives
 * it back, so nested objects and arrays are embedded, not quoted.
 */

/** A column holding values of type `T` (nullable or not). */
type ColumnOf<T> = AnyColumn<{ data: T }>;

/** What a document's field is made of: a column, or SQL over columns. */
export type FieldValue = AnyColumn | SQL;

/** Every key of the schema, each given its value. */
export type Fields<S extends z.ZodObject> = { [K in keyof S["shape"]]-?: FieldValue };

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `json_object(…)` of `fields`, in the order of the keys of `schema` (every key given, none
 * other read). The keys are written into the SQL text: they are the schema's, never a value.
 */
export function jsonObject<S extends z.ZodObject>(schema: S, fields: Fields<S>): SQL {
  const values = fields as Record<string, FieldValue>;
  const pairs = Object.keys(schema.shape).map((key) => {
    if (!KEY.test(key)) throw new Error(`not a document key: ${key}`);
    return sql`${sql.raw(`'${key}'`)}, ${values[key]}`;
  });
  return sql`json_object(${sql.join(pairs, sql`, `)})`;
}

/**
 * Epoch milliseconds → `2026-05-18T14:30:00.000Z`, as `Date#toISOString` writes years 0–9999.
 * SQLite turns `ms / 1000.0` back into whole milliseconds (rounded to the nearest, which gives
 * `ms` itself) before `%f` writes seconds with three decimals: exact, 1969's dates included.
 */
export const iso = (ms: ColumnOf<number> | SQL): SQL =>
  sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${ms} / 1000.0, 'unixepoch')`;

/** The same, null for null. */
export const isoOrNull = (ms: ColumnOf<number>): SQL =>
  sql`case when ${ms} is null then null else ${iso(ms)} end`;

/** Empty or blank text → null. */
export const textOrNull = (text: ColumnOf<string>): SQL =>
  sql`case when trim(coalesce(${text}, '')) = '' then null else ${text} end`;

/** A stored 0/1 → JSON true/false. */
export const bool = (flag: ColumnOf<boolean>): SQL =>
  sql`json(case when ${flag} then 'true' else 'false' end)`;

/** A column holding JSON text (an array, an object), embedded as JSON. */
export const embedded = (json: AnyColumn): SQL => sql`json(${json})`;

/** "First Last" without the blank parts; null when nothing is left. */
export const fullName = (first: ColumnOf<string>, last: ColumnOf<string>): SQL => sql`case
    when trim(coalesce(${first}, '')) <> '' and trim(coalesce(${last}, '')) <> '' then ${first} || ' ' || ${last}
    when trim(coalesce(${first}, '')) <> '' then ${first}
    when trim(coalesce(${last}, '')) <> '' then ${last}
  end`;

/** An object of a LEFT JOIN: null when the join found nothing (`present` is then null). */
export const objectOrNull = (present: AnyColumn, object: SQL): SQL =>
  sql`json(case when ${present} is null then null else ${object} end)`;

/** `[element, …]` over `rows` (a subquery, in the order it is written in). */
export const arrayOf = (element: SQL, rows: SQL): SQL =>
  sql`(select json_group_array(${element}) from ${rows})`;

/** Milliseconds → seconds, as a JSON number with up to three decimals (null for null). */
export const reviewSeconds = (ms: ColumnOf<number>): SQL => sql`round(${ms} / 1000.0, 3)`;
