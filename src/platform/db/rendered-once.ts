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

/** A query builder's or an `sql` fragment's text and parameters (placeholders kept). */
const render = (statement: Renderable): Statement =>
  "toSQL" in statement ? statement.toSQL() : dialect.sqlToQuery(statement);

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
      rendered = render(build(renderer, p));
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
      rendered = build(renderer, p).map(render);
    }
    return rendered.map(({ sql, params }) => ({ sql, params: fillPlaceholders(params, values) }));
  };
}

/** A value bound to a statement; a boolean binds as 1 or 0, as Drizzle writes it. */
export type Bindable = string | number | boolean | null;

/**
 * A value written into the statement's text instead of bound: a non-negative integer, such as a
 * page's size. SQLite runs `limit 20` measurably faster than `limit ?` with 20 bound (the same
 * plan; the bound form reads and checks its register on every run), and a request chooses from
 * few sizes. The value is part of the shape, so each size has its own text.
 */
export interface Literal {
  readonly literal: number;
}

export function literal(value: number): Literal {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`a literal is a non-negative integer, not ${value}`);
  }
  return { literal: value };
}

const isLiteral = (value: unknown): value is Literal =>
  typeof value === "object" && value !== null && "literal" in value;

/** A literal's text, checked again where it is written (a cast could have made any object). */
const literalText = (value: Literal) => sql.raw(String(literal(value.literal).literal));

/** A statement's values by name: those left undefined take no part in it. */
export type Values<V> = { [K in keyof V]: Bindable | readonly Bindable[] | Literal | undefined };
type Slot<T> =
  NonNullable<T> extends readonly unknown[]
    ? Placeholder[]
    : NonNullable<T> extends Literal
      ? SQL
      : Placeholder;
/**
 * A placeholder for each value given (one per item of a list), the text of each literal,
 * undefined for each not given.
 */
export type Slots<V> = {
  [K in keyof V]-?: Slot<V[K]> | (undefined extends V[K] ? undefined : never);
};

/** Shapes kept per statement; past this many, a shape is rendered on every call (still right). */
const MAX_SHAPES = 128;

const bindable = (value: Bindable) => (typeof value === "boolean" ? (value ? 1 : 0) : value);

/**
 * A statement whose text follows which values are given and a `shape` naming the branches its
 * builder takes (a list page: its filters, its cursor, the index it drives by), rendered once per
 * shape and bound per call. `build` sees placeholders only, never a value, so nothing of one
 * call's values can stay in the text another call binds: whatever it branches on is in the
 * shape (a string), the values given, the number of items of a list value, or a literal's value.
 */
export function renderedPerShape<V extends Values<V>, S extends string = string>(
  build: (db: Database, p: Slots<V>, shape: S) => Renderable,
): (values: V, shape?: S) => Statement {
  const batch = renderedBatchPerShape<V, S>((db, p, shape) => [build(db, p, shape)]);
  return (values, shape) => batch(values, shape)[0] as Statement;
}

/** `renderedPerShape` for a batch: the statements `build` gives, all bound with the same values. */
export function renderedBatchPerShape<V extends Values<V>, S extends string = string>(
  build: (db: Database, p: Slots<V>, shape: S) => Renderable[],
): (values: V, shape?: S) => Statement[] {
  const rendered = new Map<string, Statement[]>();
  return (values, shape = "" as S) => {
    let key: string = shape;
    for (const name in values) {
      const value: unknown = values[name];
      if (value === undefined) continue;
      key += Array.isArray(value)
        ? `|${name}[${value.length}]`
        : isLiteral(value)
          ? `|${name}=${value.literal}`
          : `|${name}`;
    }
    let statements = rendered.get(key);
    if (!statements) {
      const p: Record<string, Placeholder | Placeholder[] | SQL | undefined> = {};
      for (const name in values) {
        const value: unknown = values[name];
        p[name] = Array.isArray(value)
          ? value.map((_, i) => sql.placeholder(`${name}.${i}`))
          : value === undefined
            ? undefined
            : isLiteral(value)
              ? literalText(value)
              : sql.placeholder(name);
      }
      statements = build(renderer, p as Slots<V>, shape).map(render);
      if (rendered.size < MAX_SHAPES) rendered.set(key, statements);
    }
    const bound: Record<string, unknown> = {};
    for (const name in values) {
      const value: unknown = values[name];
      if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) bound[`${name}.${i}`] = bindable(item);
      } else if (value !== undefined && !isLiteral(value))
        bound[name] = bindable(value as Bindable);
    }
    return statements.map(({ sql, params }) => ({ sql, params: fillPlaceholders(params, bound) }));
  };
}
