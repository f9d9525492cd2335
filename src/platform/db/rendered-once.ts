import { fillPlaceholders, type Placeholder, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { Database } from "./client";
import type { Statement } from "./statement";

/*
 * Statements whose SQL text is rendered once per isolate. Drizzle renders a query's text on
 * every call, and on a hot GET that rendering costs more CPU than the rest of the request; yet
 * their text never changes, only the values bound to it. A statement rendered once is written with
 * the same Drizzle builders and `sql` fragments as any other, with named placeholders where the
 * request's values go; the first call renders it, every call binds.
 */

/** Drizzle without a database: only ever asked to render SQL, never to run it. */
const renderer: Database = drizzle({} as D1Database);
const dialect = new SQLiteSyncDialect();

type Placeholders<K extends string> = { readonly [name in K]: Placeholder<name> };
export type Renderable = SQL | { toSQL(): Statement };

/**
 * `build(db, p)` gives the statement, with `p.<name>` wherever a value goes; the result binds
 * values by name: `statement({ id: "…" })` → `{ sql, params }`, ready for D1.
 */
export function renderedOnce<K extends string>(
  names: readonly K[],
  build: (db: Database, p: Placeholders<K>) => Renderable,
): (values: Record<K, unknown>) => Statement {
  let rendered: Statement | undefined;
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
 * `renderedOnce` for a batch: the statements `build` gives, each rendered once, all bound with the
 * same values. For a write whose statements never change but for their values.
 */
export function renderedBatch<K extends string>(
  names: readonly K[],
  build: (db: Database, p: Placeholders<K>) => Renderable[],
): (values: Record<K, unknown>) => Statement[] {
  let rendered: Statement[] | undefined;
  return (values) => {
    if (!rendered) {
      const p = Object.fromEntries(names.map((n) => [n, sql.placeholder(n)])) as Placeholders<K>;
      rendered = build(renderer, p).map((statement) =>
        "toSQL" in statement ? statement.toSQL() : dialect.sqlToQuery(statement),
      );
    }
    return rendered.map(({ sql, params }) => ({ sql, params: fillPlaceholders(params, values) }));
  };
}
