import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import { answerOf, type Database } from "../../../platform/db/client";
import { documentById } from "../../../platform/db/document-by-id";
import { type CursorPosition, keysetRange } from "../../../platform/db/keyset";
import { contacts } from "../../../platform/db/schema";
import {
  contactSearch,
  contactSearchMatch,
  containsPattern,
  usesSearchIndex,
} from "../../../platform/db/search";
import { contactDoc, selectContactDocument } from "./contacts.document";
import type { ContactChanges, ContactFilters } from "./contacts.schemas";

/*
 * The contacts' reads and writes, each one D1 round trip; every answer is the contact document
 * (contacts.document.ts) as JSON text.
 */

const ofOrganization = (organizationId: string, id: string) =>
  and(eq(contacts.organizationId, organizationId), eq(contacts.id, id));

/** The GET's read: one statement, rendered once per isolate. */
const contactDocument = documentById(selectContactDocument);

/** The statement `findContactDocument` runs, for EXPLAIN QUERY PLAN checks. */
export const contactDocumentQuery = contactDocument.query;

/** One contact's document (JSON text), or null: one round trip, the caller's check inside it. */
export const findContactDocument = contactDocument.find;

/** `q` shorter than the index's trigrams: a substring test on the rows the list walks anyway. */
const containsText = (q: string): SQL => {
  const pattern = containsPattern(q);
  const c = contacts;
  return sql`((${c.firstName} || ' ' || coalesce(${c.lastName}, '')) glob ${pattern}
    or ${c.email} glob ${pattern}
    or ${c.phoneNumber} glob ${pattern})`;
};

/**
 * A page of contacts, newest first. Email and phone are exact lookups through their unique
 * indexes; a search of 3+ characters is driven by the full-text index (CROSS JOIN keeps it the
 * outer loop; only its matches are sorted); otherwise (organization, created_at, id) drives and
 * the cursor is a range on it.
 */
function selectPage(
  db: Database,
  organizationId: string,
  filters: ContactFilters,
  position: CursorPosition | undefined,
  limit: number,
) {
  const c = contacts;
  const searched = filters.q !== undefined && usesSearchIndex(filters.q) ? filters.q : undefined;
  const where = and(
    eq(c.organizationId, organizationId),
    searched === undefined
      ? undefined
      : and(contactSearchMatch(organizationId, searched), sql`${c}.rowid = ${contactSearch.rowid}`),
    filters.q !== undefined && searched === undefined ? containsText(filters.q) : undefined,
    filters.channelType ? eq(c.channelType, filters.channelType) : undefined,
    filters.email ? eq(c.email, filters.email) : undefined,
    filters.phoneNumber ? eq(c.phoneNumber, filters.phoneNumber) : undefined,
    ...keysetRange(c.createdAt, c.id, {}, position),
  );
  const selection = { ...contactDoc, createdAt: c.createdAt, id: c.id };
  const query =
    searched === undefined
      ? db.select(selection).from(c).$dynamic()
      : db.select(selection).from(contactSearch).crossJoin(c).$dynamic();
  return query.where(where).orderBy(desc(c.createdAt), desc(c.id)).limit(limit);
}

/** A list page's rows: each contact's document and its cursor position. */
export async function listContacts(
  db: Database,
  organizationId: string,
  filters: ContactFilters,
  position: CursorPosition | undefined,
  limit: number,
): Promise<{ doc: string; createdAt: number; id: string }[]> {
  const rows = await answerOf(db, selectPage(db, organizationId, filters, position, limit));
  return rows;
}

/** The statement of a list page, for EXPLAIN QUERY PLAN checks. */
export const listContactsQuery = (
  db: Database,
  organizationId: string,
  filters: ContactFilters,
  position: CursorPosition | undefined,
  limit: number,
) => selectPage(db, organizationId, filters, position, limit).toSQL();

export type NewContact = typeof contacts.$inferInsert;

/** Writes the contact and answers its document, in one statement (a unique rule may refuse it). */
export async function insertContact(db: Database, contact: NewContact): Promise<string> {
  const rows = await answerOf(db, db.insert(contacts).values(contact).returning(contactDoc));
  return (rows[0] as { doc: string }).doc;
}

/**
 * Applies the changes and answers the contact's document as it is now, in one statement;
 * `updatedAt` only moves forward. Undefined when there is no such contact.
 */
export async function updateContact(
  db: Database,
  organizationId: string,
  id: string,
  changes: ContactChanges,
  now: number,
): Promise<string | undefined> {
  const rows = await answerOf(
    db,
    db
      .update(contacts)
      .set({ ...changes, updatedAt: sql`max(${contacts.updatedAt} + 1, ${now})` })
      .where(ofOrganization(organizationId, id))
      .returning(contactDoc),
  );
  return rows[0]?.doc;
}

/**
 * Deletes the contact: their live conversations and messages go too (erasure); snapshots keep
 * their customer copies and populate `contactId` as null. Whether there was one to delete.
 */
export async function deleteContact(db: Database, organizationId: string, id: string) {
  const rows = await answerOf(
    db,
    db.delete(contacts).where(ofOrganization(organizationId, id)).returning({ id: contacts.id }),
  );
  return rows.length > 0;
}

/** Which unique rule a failed write broke, from D1's message: for a 409 that says which. */
export function duplicateOf(message: string): "phoneNumber" | "email" | undefined {
  if (/UNIQUE constraint failed: contacts\.organization_id, contacts\.phone_number/.test(message)) {
    return "phoneNumber";
  }
  if (/UNIQUE constraint failed: contacts\.organization_id, contacts\.email/.test(message)) {
    return "email";
  }
  return undefined;
}
