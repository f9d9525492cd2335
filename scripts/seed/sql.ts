import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";

type Value = string | number | boolean | null | undefined | string[];

/** A SQL literal. Seed values are ours, but quoting is still done properly. */
export function literal(value: Value): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  const text = Array.isArray(value) ? JSON.stringify(value) : value;
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * `INSERT … ON CONFLICT(<primary key>) DO UPDATE` for typed rows of a Drizzle table: running the
 * seed again puts the demo rows back to their documented values and touches nothing else.
 */
export function upsert<T extends SQLiteTable>(table: T, rows: T["$inferInsert"][]): string[] {
  const config = getTableConfig(table);
  const keyColumns = config.primaryKeys[0]?.columns ?? config.columns.filter((c) => c.primary);
  const conflict = keyColumns.map((c) => c.name);
  const columns = Object.entries(table as unknown as Record<string, { name?: string }>)
    .filter(([, column]) => config.columns.includes(column as (typeof config.columns)[number]))
    .map(([property, column]) => ({ property, name: column.name as string }));

  return rows.map((row) => {
    const record = row as Record<string, Value>;
    const present = columns.filter((c) => record[c.property] !== undefined);
    const names = present.map((c) => `"${c.name}"`).join(", ");
    const values = present.map((c) => literal(record[c.property])).join(", ");
    const updates = present
      .filter((c) => !conflict.includes(c.name))
      .map((c) => `"${c.name}" = excluded."${c.name}"`)
      .join(", ");
    return `INSERT INTO "${config.name}" (${names}) VALUES (${values}) ON CONFLICT(${conflict
      .map((n) => `"${n}"`)
      .join(", ")}) DO UPDATE SET ${updates};`;
  });
}
