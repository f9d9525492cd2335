import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../platform/db/client";
import { type CursorPosition, keysetRange } from "../../../platform/db/keyset";
import { contacts } from "../../../platform/db/schema";
import {
  contactSearch,
  contactSearchMatch,
  containsPattern,
  usesSearchIndex,
} from "../../../platform/db/search";
import type { ContactChanges, ContactFilters } from "./contacts.schemas";

const publicColumns = {
  id: contacts.id,
  firstName: contacts.firstName,
  lastName: contacts.lastName,
  phoneNumber: contacts.phoneNumber,
  email: contacts.email,
  channelType: contacts.channelType,
  createdAt: contacts.createdAt,
  updatedAt: contacts.updatedAt,
};

const ofOrganization = (organizationId: string, id: string) =>
  and(eq(contacts.organizationId, organizationId), eq(contacts.id, id));

const selectContact = (db: Database, organizationId: string, id: string) =>
  db.select(publicColumns).from(contacts).where(ofOrganization(organizationId, id)).limit(1);

export type ContactRecord = Awaited<ReturnType<typeof selectContact>>[number];

/** One contact (a batch of one: the caller's freshness check rides along). */
export async function findContact(db: Database, organizationId: string, id: string) {
  const [rows] = await db.batch([selectContact(db, organizationId, id)]);
  return rows[0];
}

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
  const query =
    searched === undefined
      ? db.select(publicColumns).from(c).$dynamic()
      : db.select(publicColumns).from(contactSearch).crossJoin(c).$dynamic();
  return query.where(where).orderBy(desc(c.createdAt), desc(c.id)).limit(limit);
}

export async function listContacts(
  db: Database,
  organizationId: string,
  filters: ContactFilters,
  position: CursorPosition | undefined,
  limit: number,
) {
  const [rows] = await db.batch([selectPage(db, organizationId, filters, position, limit)]);
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

export const insertContactStatement = (db: Database, contact: NewContact) =>
  db.insert(contacts).values(contact);

/** Applies the changes; `updatedAt` only moves forward. Undefined when there is no such contact. */
export async function updateContact(
  db: Database,
  organizationId: string,
  id: string,
  changes: ContactChanges,
  now: number,
) {
  const [rows] = await db.batch([
    db
      .update(contacts)
      .set({ ...changes, updatedAt: sql`max(${contacts.updatedAt} + 1, ${now})` })
      .where(ofOrganization(organizationId, id))
      .returning(publicColumns),
  ]);
  return rows[0];
}

/**
 * Deletes the contact: their live conversations and messages go too (erasure); snapshots keep
 * their customer copies and populate `contactId` as null. Whether there was one to delete.
 */
export async function deleteContact(db: Database, organizationId: string, id: string) {
  const [rows] = await db.batch([
    db.delete(contacts).where(ofOrganization(organizationId, id)).returning({ id: contacts.id }),
  ]);
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
