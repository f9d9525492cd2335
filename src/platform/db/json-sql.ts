import { type Placeholder, type SQL, sql } from "drizzle-orm";

/*
 * Pieces for building documents inside SQLite (json_object), so an event can carry a resource
 * as its GET returns it, written in the same statement as the change. Each mirrors a TypeScript
 * shaping helper; tests compare the two documents whole.
 *
 * A JSON value loses its JSON subtype when it comes out of a subquery or a CASE: `json(…)` gives
 * it back, so nested objects and arrays are embedded, not quoted.
 */

/** A value bound into a document statement: a request's value, or a compiled placeholder. */
export type BoundValue = string | Placeholder;

/** Epoch milliseconds → `2026-05-18T14:30:00.000Z` (as `toIso`). */
export const isoSql = (column: SQL | string): SQL => {
  const c = typeof column === "string" ? sql.raw(column) : column;
  return sql`(strftime('%Y-%m-%dT%H:%M:%S', ${c} / 1000, 'unixepoch') || '.' || substr('00' || (${c} % 1000), -3) || 'Z')`;
};

/** Null for null (as `toIsoOrNull`). */
export const isoOrNullSql = (column: string): SQL =>
  sql`case when ${sql.raw(column)} is null then null else ${isoSql(column)} end`;

/** Empty or blank text → null (as `textOrNull`). */
export const textOrNullSql = (column: string): SQL =>
  sql.raw(`case when trim(coalesce(${column}, '')) = '' then null else ${column} end`);

/** A stored 0/1 → JSON true/false. */
export const boolSql = (column: string): SQL =>
  sql.raw(`json(case when ${column} then 'true' else 'false' end)`);

/** "First Last" without the blank parts, null when nothing is left (as `fullName`). */
export const fullNameSql = (first: string, last: string): SQL =>
  sql.raw(`case
    when trim(coalesce(${first}, '')) <> '' and trim(coalesce(${last}, '')) <> '' then ${first} || ' ' || ${last}
    when trim(coalesce(${first}, '')) <> '' then ${first}
    when trim(coalesce(${last}, '')) <> '' then ${last}
  end`);
