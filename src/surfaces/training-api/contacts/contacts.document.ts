import { and, eq, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../platform/db/client";
import { iso, jsonObject } from "../../../platform/db/json-document";
import { contacts } from "../../../platform/db/schema";
import { ContactSchema } from "./contacts.schemas";

/*
 * The contact document, defined once: what `GET /api/contacts/{id}` answers as its `data`, each
 * item of a list page, and the `data` of a create or PATCH answer (the RETURNING of the write
 * itself). Its keys and their order are ContactSchema's.
 */

const c = contacts;

/** The contact as GET answers it, over `contacts`. */
export const contactJson: SQL = jsonObject(ContactSchema, {
  _id: c.id,
  firstName: c.firstName,
  lastName: c.lastName,
  phoneNumber: c.phoneNumber,
  email: c.email,
  channelType: c.channelType,
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

/** What a select or a write's RETURNING reads: the document as `doc` (JSON text). */
export const contactDoc = { doc: sql<string>`${contactJson}`.as("doc") };

type Bound = string | Placeholder;

/** One contact's `{ doc }`, or no row. */
export const selectContactDocument = (db: Database, organizationId: Bound, id: Bound) =>
  db
    .select(contactDoc)
    .from(c)
    .where(and(eq(c.id, id), eq(c.organizationId, organizationId)));
