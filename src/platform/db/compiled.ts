import { fillPlaceholders, type Placeholder, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { Database } from "./client";
import type { Query, RequestD1 } from "./instrumented-d1";

/*
 * Statements whose SQL text is rendered once per isolate. Drizzle renders a query's text on
 * every call, and on a hot GET that rendering costs more CPU than the rest of the request; yet
 * their text never changes, only the values bound to it. A compiled statement is written with
 * the same Drizzle builders and `sql` fragments as any other, with named placeholders where the
 * request's values go; the first call renders it, every call binds.
 */

/** Drizzle without a database: only ever asked to render SQL, never to run it. */
const renderer: Database = drizzle({} as D1Database);
const dialect = new SQLiteSyncDialect();

type Placeholders<K extends string> = { readonly [name in K]: Placeholder<name> };
type Renderable = SQL | { toSQL(): Query };

/**
 * `build(db, p)` gives the statement, with `p.<name>` wherever a value goes; the result binds
 * values by name: `statement({ id: "…" })` → `{ sql, params }`, ready for D1.
 */
export function compiled<K extends string>(
  names: readonly K[],
  build: (db: Database, p: Placeholders<K>) => Renderable,
): (values: Record<K, unknown>) => Query {
  let rendered: Query | undefined;
  return (values) => {
    if (!rendered) {
      const p = Object.fromEntries(names.map((n) => [n, sql.placeholder(n)])) as Placeholders<K>;
      const statement = build(renderer, p);
      rendered = "toSQL" in statement ? statement.toSQL() : dialect.sqlToQuery(statement);
    }
    return { sql: rendered.sql, params: fillPlaceholders(rendered.params, values) };
  };
}

/**
 * Runs compiled statements as one batch on the request's D1 handle (so a queued prelude, such
 * as the freshness check, rides along) and gives each one's rows as D1 returns them.
 */
export async function runCompiled<T = Record<string, unknown>>(
  db: Database,
  queries: Query[],
): Promise<T[][]> {
  const d1 = db.$client;
  const results = await d1.batch<T>(queries.map((q) => d1.prepare(q.sql).bind(...q.params)));
  return results.map((r) => r.results);
}

/**
 * The first row of one compiled read, or null. On a request's handle a queued prelude (the
 * freshness check) is folded into the statement itself (RequestD1.firstRow): one statement,
 * not a batch of two. On a bare binding (scripts, tests) the statement runs alone.
 */
export async function firstRow<T>(db: Database, query: Query): Promise<T | null> {
  const client = db.$client as D1Database & Partial<Pick<RequestD1, "firstRow">>;
  if (client.firstRow) return (await client.firstRow(query)) as T | null;
  const [rows] = await runCompiled<T>(db, [query]);
  return rows?.[0] ?? null;
}
