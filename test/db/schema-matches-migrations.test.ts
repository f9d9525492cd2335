import { env } from "cloudflare:workers";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/platform/db/schema";
import { SEARCH_TABLES } from "../../src/platform/db/search";
import { webhookListeners } from "../../src/platform/db/webhook-listeners";

/*
 * The Drizzle schema is what the code is typed against; the migrations are what D1 really has.
 * This compares them table by table after applying the real migrations, so a schema edit without
 * `npm run db:generate` (or a hand-edited migration) fails here.
 */

const schemaTables: SQLiteTable[] = Object.values(schema as Record<string, unknown>).filter(
  (value): value is SQLiteTable => is(value, SQLiteTable),
);
// Kept by triggers from a table of the schema, declared beside it for queries only.
const derived: SQLiteTable[] = [webhookListeners];
const tables = [...schemaTables, ...derived];

async function pragma<T>(statement: string): Promise<T[]> {
  return (await env.DB.prepare(statement).all<T>()).results;
}

describe("schema and migrations agree", () => {
  it("has exactly the schema's tables, plus the full-text indexes and the derived tables", async () => {
    const rows = await pragma<{ name: string }>(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name <> 'd1_migrations'",
    );
    const search = (name: string) =>
      SEARCH_TABLES.some((t) => name === t || name.startsWith(`${t}_`));
    expect(
      rows
        .map((r) => r.name)
        .filter((name) => !search(name))
        .sort(),
    ).toEqual(tables.map((t) => getTableConfig(t).name).sort());
    const virtual = await pragma<{ name: string }>(
      "select name from sqlite_master where sql like 'CREATE VIRTUAL TABLE%'",
    );
    expect(virtual.map((r) => r.name).sort()).toEqual([...SEARCH_TABLES].sort());
  });

  it.each(tables.map((t) => [getTableConfig(t).name, t] as const))(
    "%s: columns, nullability and primary key",
    async (name, table) => {
      const config = getTableConfig(table);
      const columns = await pragma<{ name: string; notnull: number; pk: number; type: string }>(
        `pragma table_info("${name}")`,
      );
      const compositeKey = config.primaryKeys[0]?.columns.map((c) => c.name) ?? [];
      expect(
        columns.map((c) => ({ name: c.name, notNull: c.notnull === 1 || c.pk > 0, pk: c.pk > 0 })),
      ).toEqual(
        config.columns.map((c) => ({
          name: c.name,
          notNull: c.notNull || c.primary || compositeKey.includes(c.name),
          pk: c.primary || compositeKey.includes(c.name),
        })),
      );
    },
  );

  it.each(tables.map((t) => [getTableConfig(t).name, t] as const))(
    "%s: indexes, their columns and uniqueness",
    async (name, table) => {
      const config = getTableConfig(table);
      const listed = await pragma<{ name: string; unique: number; origin: string }>(
        `pragma index_list("${name}")`,
      );
      const actual = await Promise.all(
        listed
          .filter((index) => index.origin === "c")
          .map(async (index) => ({
            name: index.name,
            unique: index.unique === 1,
            columns: (await pragma<{ name: string }>(`pragma index_info("${index.name}")`)).map(
              (c) => c.name,
            ),
          })),
      );
      const expected = config.indexes.map((index) => ({
        name: index.config.name,
        unique: index.config.unique,
        columns: index.config.columns.map((c) => (c as { name: string }).name),
      }));
      const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
      expect(actual.sort(byName)).toEqual(expected.sort(byName));
    },
  );

  it.each(tables.map((t) => [getTableConfig(t).name, t] as const))(
    "%s: foreign keys and their delete behaviour",
    async (name, table) => {
      const config = getTableConfig(table);
      const rows = await pragma<{ table: string; from: string; to: string; on_delete: string }>(
        `pragma foreign_key_list("${name}")`,
      );
      const actual = rows
        .map((r) => `${r.from} -> ${r.table}.${r.to} on delete ${r.on_delete.toLowerCase()}`)
        .sort();
      const expected = config.foreignKeys
        .flatMap((fk) => {
          const ref = fk.reference();
          return ref.columns.map(
            (column, i) =>
              `${column.name} -> ${getTableConfig(ref.foreignTable).name}.${ref.foreignColumns[i]?.name} on delete ${fk.onDelete ?? "no action"}`,
          );
        })
        .sort();
      expect(actual).toEqual(expected);
    },
  );

  it("enforces foreign keys, so deletes cascade or null as declared", async () => {
    const rows = await pragma<{ foreign_keys: number }>("pragma foreign_keys");
    expect(rows[0]?.foreign_keys).toBe(1);
  });
});
