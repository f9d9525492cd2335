import { type SQL, sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/*
 * The FTS5 index of snapshot notes and customer names (migrations/0003_snapshot_search.sql).
 * A virtual table: declared here for queries only, outside schema.ts, so drizzle-kit never tries
 * to create it as an ordinary table. Its `rowid` is the snapshot's rowid.
 */
export const snapshotSearch = sqliteTable("training_snapshot_search", {
  rowid: integer("rowid").notNull(),
  organizationId: text("organization_id"),
  notes: text("notes"),
  customerName: text("customer_name"),
});

/** The FTS5 shadow tables of the index, which D1 lists beside the schema's own. */
export const SEARCH_TABLES = ["training_snapshot_search"] as const;

/** The trigram tokenizer indexes 3-character sequences: shorter text cannot use the index. */
export const MIN_INDEXED_SEARCH_CHARACTERS = 3;

export const usesSearchIndex = (q: string) => [...q].length >= MIN_INDEXED_SEARCH_CHARACTERS;

const phrase = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * The MATCH condition: `q` anywhere in the notes or the customer name, as a phrase (no FTS5
 * query syntax reaches the index), within one organization, so the index walks only that
 * tenant's matches.
 */
export function searchMatch(organizationId: string, q: string): SQL {
  const expression = `organization_id : ${phrase(organizationId)} AND {notes customer_name} : ${phrase(q)}`;
  return sql`${snapshotSearch} match ${expression}`;
}
