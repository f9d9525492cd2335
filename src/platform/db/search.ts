import { type SQLWrapper, sql } from "drizzle-orm";
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

/** The FTS5 index of contacts' names, emails and phones (migrations/0005_contacts.sql). */
export const contactSearch = sqliteTable("contact_search", {
  rowid: integer("rowid").notNull(),
  organizationId: text("organization_id"),
  name: text("name"),
  email: text("email"),
  phoneNumber: text("phone_number"),
});

/** The FTS5 indexes (virtual tables), whose shadow tables D1 lists beside the schema's own. */
export const SEARCH_TABLES = ["contact_search", "training_snapshot_search"] as const;

/** The trigram tokenizer indexes 3-character sequences: shorter text cannot use the index. */
export const MIN_INDEXED_SEARCH_CHARACTERS = 3;

export const usesSearchIndex = (q: string) => [...q].length >= MIN_INDEXED_SEARCH_CHARACTERS;

/**
 * Capitals that lowercase to a letter whose own uppercase is another one (ẞ → ß ↔ SS, Kelvin
 * sign → k ↔ K, Ångström sign → å ↔ Å, Ohm sign → ω ↔ Ω): upper- and lowercasing alone does
 * not reach them from the letter.
 */
const OTHER_CAPITALS: Readonly<Record<string, string>> = {
  ß: "\u1e9e",
  k: "\u212a",
  å: "\u212b",
  ω: "\u2126",
};

/** The character's case forms that are one character each (ß, not SS), itself included. */
function caseForms(ch: string): string[] {
  const forms = new Set([ch]);
  for (const form of [ch.toLowerCase(), ch.toUpperCase()]) {
    forms.add(form).add(form.toLowerCase()).add(form.toUpperCase());
  }
  for (const form of [...forms]) {
    const other = OTHER_CAPITALS[form];
    if (other) forms.add(other);
  }
  return [...forms].filter((form) => [...form].length === 1);
}

const GLOB_SPECIAL = new Set(["*", "?", "[", "]"]);

/**
 * A GLOB pattern for text containing `q` in any case: each letter becomes a class of its case
 * forms (`é` → `[éÉ]`), each GLOB metacharacter a class of itself (`*` → `[*]`). SQLite's
 * `lower()` and `LIKE` fold only ASCII; GLOB compares characters exactly, so the classes carry
 * the case folding, for every script. For searches too short for the trigram index, tested on
 * the rows a list walks anyway.
 */
export function containsPattern(q: string): string {
  let pattern = "*";
  for (const ch of q) {
    const forms = caseForms(ch);
    pattern += forms.length > 1 || GLOB_SPECIAL.has(ch) ? `[${forms.join("")}]` : ch;
  }
  return `${pattern}*`;
}

const phrase = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * The full-text query of a MATCH on an index, a value to bind: `q` anywhere in the given
 * columns, as a phrase (no FTS5 query syntax reaches the index), within one organization, so the
 * index walks only that tenant's matches.
 */
const matchText = (columns: string[], organizationId: string, q: string) =>
  `organization_id : ${phrase(organizationId)} AND {${columns.join(" ")}} : ${phrase(q)}`;

/** `q` in a snapshot's notes or customer name (`searchMatch`'s value). */
export const snapshotSearchText = (organizationId: string, q: string) =>
  matchText(["notes", "customer_name"], organizationId, q);

/** `q` in a contact's full name, email or phone number (`contactSearchMatch`'s value). */
export const contactSearchText = (organizationId: string, q: string) =>
  matchText(["name", "email", "phone_number"], organizationId, q);

/** The snapshots' index rows matching `text` (`snapshotSearchText`, bound). */
export const searchMatch = (text: SQLWrapper) => sql`${snapshotSearch} match ${text}`;

/** The contacts' index rows matching `text` (`contactSearchText`, bound). */
export const contactSearchMatch = (text: SQLWrapper) => sql`${contactSearch} match ${text}`;
