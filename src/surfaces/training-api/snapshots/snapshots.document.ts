import { and, eq, type Placeholder, type SQL, sql } from "drizzle-orm";
import { alias, type SelectedFields, type SQLiteSelect } from "drizzle-orm/sqlite-core";
import type { Database } from "../../../platform/db/client";
import {
  arrayOf,
  bool,
  embedded,
  iso,
  isoOrNull,
  jsonObject,
  objectOrNull,
  textOrNull,
} from "../../../platform/db/json-document";
import {
  contacts,
  trainingSnapshotMessages,
  trainingSnapshots,
  users,
} from "../../../platform/db/schema";
import { sameTenant } from "../../../platform/db/tenant";
import {
  ExportItemSchema,
  FineTuningLineSchema,
  PopulatedContactSchema,
  PopulatedUserSchema,
  SnapshotListItemSchema,
  SnapshotMessageSchema,
  SnapshotSchema,
} from "./snapshots.schemas";

/*
 * The snapshot document, defined once: what `GET /api/training/snapshots/{id}` answers as its
 * `data`, what a list page holds (all but `messages`), what a create or PATCH answers and what the
 * `training.snapshot.*` events carry. Its keys and their order are SnapshotSchema's.
 */

const s = trainingSnapshots;
/** The message copies, read in their order by the `messages` subquery. */
const copy = alias(trainingSnapshotMessages, "copy");

/** A snapshot's message copies in their order, as the rows of a document's array. */
const copies = sql`(select * from ${trainingSnapshotMessages}
      where ${trainingSnapshotMessages.snapshotId} = ${s.id}
        and ${trainingSnapshotMessages.organizationId} = ${s.organizationId}
      order by ${trainingSnapshotMessages.position}) as ${sql.identifier("copy")}`;

/** Chat roles for training: the organization's side is the assistant, the customer the user. */
const role = sql`case when ${copy.sender} = 'user' then 'assistant' else 'user' end`;

/** A message copy as the snapshot lists it. */
const copyJson = jsonObject(SnapshotMessageSchema, {
  id: copy.messageId,
  content: copy.content,
  sender: copy.sender,
  senderType: copy.senderType,
  timestamp: iso(copy.timestamp),
});

const fields = {
  _id: s.id,
  organizationId: s.organizationId,
  userId: objectOrNull(
    users.id,
    jsonObject(PopulatedUserSchema, {
      _id: users.id,
      firstName: users.firstName,
      lastName: users.lastName,
      email: users.email,
    }),
  ),
  contactId: objectOrNull(
    contacts.id,
    jsonObject(PopulatedContactSchema, {
      _id: contacts.id,
      firstName: contacts.firstName,
      lastName: textOrNull(contacts.lastName),
      phoneNumber: textOrNull(contacts.phoneNumber),
      email: textOrNull(contacts.email),
      channelType: contacts.channelType,
    }),
  ),
  customerName: textOrNull(s.customerName),
  customerPhone: textOrNull(s.customerPhone),
  customerEmail: textOrNull(s.customerEmail),
  messages: arrayOf(copyJson, copies),
  // Fixed at capture (the copies are immutable): the list reads it without the copies.
  messageCount: s.messageCount,
  snapshotDate: iso(s.snapshotDate),
  conversationStartDate: isoOrNull(s.conversationStartDate),
  conversationEndDate: isoOrNull(s.conversationEndDate),
  notes: textOrNull(s.notes),
  tags: embedded(s.tags),
  quality: s.quality,
  category: textOrNull(s.category),
  isArchived: bool(s.isArchived),
  createdAt: iso(s.createdAt),
  updatedAt: iso(s.updatedAt),
};

/** The snapshot as GET answers it (its `data`). */
export const snapshotJson: SQL = jsonObject(SnapshotSchema, fields);

/** The snapshot as a list holds it: all but `messages`, the same keys in the same order. */
export const snapshotListItemJson: SQL = jsonObject(SnapshotListItemSchema, fields);

const exportItem = ExportItemSchema.shape;

/** The snapshot as an item of the export document (`format=json`). */
export const exportItemJson: SQL = jsonObject(ExportItemSchema, {
  id: s.id,
  customer: jsonObject(exportItem.customer, {
    name: textOrNull(s.customerName),
    phone: textOrNull(s.customerPhone),
    email: textOrNull(s.customerEmail),
  }),
  conversation: arrayOf(
    jsonObject(exportItem.conversation.element, {
      role,
      content: copy.content,
      timestamp: iso(copy.timestamp),
      senderType: copy.senderType,
    }),
    copies,
  ),
  metadata: jsonObject(exportItem.metadata, {
    quality: s.quality,
    tags: embedded(s.tags),
    messageCount: s.messageCount,
  }),
});

/** The snapshot as a line of the chat fine-tuning export (`format=jsonl`). */
export const fineTuningLineJson: SQL = jsonObject(FineTuningLineSchema, {
  messages: arrayOf(
    jsonObject(FineTuningLineSchema.shape.messages.element, { role, content: copy.content }),
    copies,
  ),
});

/**
 * A select over snapshots with the tables their documents read: the creator and the contact, of
 * the snapshot's own organization (LEFT JOINs: a deleted one is `null`).
 */
export const selectFromSnapshots = (db: Database, selection: SelectedFields) =>
  withSnapshotRefs(db.select(selection).from(s).$dynamic());

/** The creator and contact joins of a snapshot document, for a select driven by another table. */
export const withSnapshotRefs = <Q extends SQLiteSelect>(query: Q) =>
  query
    .leftJoin(users, sameTenant(users, s.userId, s))
    .leftJoin(contacts, sameTenant(contacts, s.contactId, s));

type Bound = string | Placeholder;

const ofOrganization = (organizationId: Bound, id: Bound) =>
  and(eq(s.id, id), eq(s.organizationId, organizationId));

/** One snapshot's `{ version, doc }` (doc: JSON text), or no row. */
export const selectSnapshotDocument = (db: Database, organizationId: Bound, id: Bound) =>
  selectFromSnapshots(db, {
    version: s.version,
    doc: sql<string>`${snapshotJson}`.as("doc"),
  }).where(ofOrganization(organizationId, id));

/** The snapshot's document as a scalar subquery: an event's data, written with its change. */
export const snapshotDocumentSql = (db: Database, organizationId: Bound, id: Bound): SQL =>
  sql`(${selectFromSnapshots(db, { doc: sql`${snapshotJson}`.as("doc") }).where(ofOrganization(organizationId, id))})`;
