import { and, eq, sql } from "drizzle-orm";
import { answerOf, type Database } from "../../../platform/db/client";
import { documentById } from "../../../platform/db/document-by-id";
import * as keyset from "../../../platform/db/keyset";
import { renderedPerShape } from "../../../platform/db/rendered-once";
import type { RequestDatabase } from "../../../platform/db/request-database";
import { contacts } from "../../../platform/db/schema";
import {
  contactSearch,
  contactSearchMatch,
  contactSearchText,
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

/** What a page's statement binds: its filters, the range of its cursor, its size. */
type PageValues = keyset.PageValues & {
  organizationId: string;
  /** A search of 3+ characters, as the full-text index's query. */
  match?: string | undefined;
  /** A shorter one, as a GLOB pattern tested on the rows the list walks anyway. */
  pattern?: string | undefined;
  channelType?: string | undefined;
  email?: string | undefined;
  phoneNumber?: string | undefined;
};

/**
 * A page of contacts, newest first. Email and phone are exact lookups through their unique
 * indexes; a search of 3+ characters is driven by the full-text index (CROSS JOIN keeps it the
 * outer loop; only its matches are sorted); otherwise (organization, created_at, id) drives and
 * the cursor is a range on it. Rendered once per set of filters given.
 */
const pageStatement = renderedPerShape<PageValues>((db, p) => {
  const c = contacts;
  const page = keyset.page(c.createdAt, c.id, p);
  const where = and(
    eq(c.organizationId, p.organizationId),
    p.match
      ? and(contactSearchMatch(p.match), sql`${c}.rowid = ${contactSearch.rowid}`)
      : undefined,
    p.pattern
      ? sql`((${c.firstName} || ' ' || coalesce(${c.lastName}, '')) glob ${p.pattern}
    or ${c.email} glob ${p.pattern}
    or ${c.phoneNumber} glob ${p.pattern})`
      : undefined,
    p.channelType ? eq(c.channelType, p.channelType) : undefined,
    p.email ? eq(c.email, p.email) : undefined,
    p.phoneNumber ? eq(c.phoneNumber, p.phoneNumber) : undefined,
    ...page.range,
  );
  const selection = { ...contactDoc, ...page.position };
  const query = p.match
    ? db.select(selection).from(contactSearch).crossJoin(c).$dynamic()
    : db.select(selection).from(c).$dynamic();
  return query
    .where(where)
    .orderBy(...page.order)
    .limit(page.limit);
});

/** The statement of a list page: what `listContacts` sends, and EXPLAIN QUERY PLAN checks. */
export function listContactsQuery(
  organizationId: string,
  filters: ContactFilters,
  position: keyset.CursorPosition | undefined,
  limit: number,
) {
  const q = filters.q;
  const indexed = q !== undefined && usesSearchIndex(q);
  return pageStatement({
    organizationId,
    match: indexed ? contactSearchText(organizationId, q) : undefined,
    pattern: q !== undefined && !indexed ? containsPattern(q) : undefined,
    channelType: filters.channelType,
    email: filters.email,
    phoneNumber: filters.phoneNumber,
    ...keyset.values(position, limit),
  });
}

/** A list page's rows: each contact's document and its cursor position. */
export const listContacts = (
  db: RequestDatabase,
  organizationId: string,
  filters: ContactFilters,
  position: keyset.CursorPosition | undefined,
  limit: number,
) =>
  db.readPage<{ doc: string; createdAt: number; id: string }>(
    listContactsQuery(organizationId, filters, position, limit),
  );

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
