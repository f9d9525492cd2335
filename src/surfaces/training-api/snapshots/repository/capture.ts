import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunkedInsert } from "../../../../platform/db/chunked-insert";
import type { Database } from "../../../../platform/db/client";
import {
  contacts,
  conversations,
  messages,
  trainingSnapshotMessages,
  trainingSnapshots,
  trainingSnapshotTags,
  users,
} from "../../../../platform/db/schema";
import { sameTenant } from "../../../../platform/db/tenant";
import type { Outbox } from "../../../../platform/events/outbox";
import { selectSnapshotDocument, snapshotDocumentSql } from "../snapshots.document";

/** Upper bound on captured messages; one more is read to tell "exactly 1,000" from "too many". */
function selectCapturableMessages(
  db: Database,
  organizationId: string,
  source: { contactId: string; conversationId?: string; messageIds?: string[] },
  limit: number,
) {
  return db
    .select({
      id: messages.id,
      direction: messages.direction,
      senderType: messages.senderType,
      message: messages.message,
      createdAt: messages.createdAt,
    })
    .from(conversations)
    .innerJoin(messages, sameTenant(conversations, messages.conversationId, messages))
    .where(
      and(
        eq(conversations.contactId, source.contactId),
        eq(conversations.organizationId, organizationId),
        eq(messages.organizationId, organizationId),
        source.conversationId ? eq(conversations.id, source.conversationId) : undefined,
        source.messageIds
          ? sql`${messages.id} in (select value from json_each(${JSON.stringify(source.messageIds)}))`
          : undefined,
      ),
    )
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .limit(limit);
}

export type CapturableMessage = Awaited<ReturnType<typeof selectCapturableMessages>>[number];

/**
 * Everything a new snapshot is made from, in one round trip: the creator, the contact, the named
 * conversation (if any) and the messages to copy, all within the caller's organization.
 */
export async function loadCaptureSources(
  db: Database,
  organizationId: string,
  userId: string,
  source: { contactId: string; conversationId?: string; messageIds?: string[] },
  maxMessages: number,
) {
  const [creator, contact, conversation, captured] = await db.batch([
    db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, userId), eq(users.organizationId, organizationId))),
    db
      .select({
        id: contacts.id,
        firstName: contacts.firstName,
        lastName: contacts.lastName,
        phoneNumber: contacts.phoneNumber,
        email: contacts.email,
      })
      .from(contacts)
      .where(and(eq(contacts.id, source.contactId), eq(contacts.organizationId, organizationId))),
    db
      .select({ id: conversations.id, contactId: conversations.contactId })
      .from(conversations)
      .where(
        and(
          eq(conversations.id, source.conversationId ?? ""),
          eq(conversations.organizationId, organizationId),
        ),
      ),
    selectCapturableMessages(db, organizationId, source, maxMessages + 1),
  ]);
  return {
    creator: creator[0] ?? null,
    contact: contact[0] ?? null,
    conversation: conversation[0] ?? null,
    messages: captured,
  };
}

/** What a capture is made from, as `loadCaptureSources` reads it. */
export type CaptureSources = Awaited<ReturnType<typeof loadCaptureSources>>;

export const captureQueries = (
  db: Database,
  organizationId: string,
  source: { contactId: string; conversationId?: string; messageIds?: string[] },
) => selectCapturableMessages(db, organizationId, source, 1001).toSQL();

export type NewSnapshot = typeof trainingSnapshots.$inferInsert;
export type NewSnapshotMessage = typeof trainingSnapshotMessages.$inferInsert;

/** A snapshot row to insert, with the tags its index rows are made from. */
export type SnapshotInsert = NewSnapshot & {
  tags: string[];
  isArchived: boolean;
  createdAt: number;
};

/**
 * The statements that write new snapshots: the rows, their message copies and their tag index
 * rows, a few statements however many, every value bound. A taken id breaks the primary key and
 * the batch they are in writes nothing. The one way snapshots are written: one by the API's
 * capture, many at a time by the bulk import, whose rows carry their customer (`contact`) and
 * find or make the contact in the same batch (`linkContact`).
 */
export function snapshotInserts(
  db: Database,
  snapshots: { snapshot: SnapshotInsert; copies: NewSnapshotMessage[] }[],
  linkContact?: SQL,
): BatchItem<"sqlite">[] {
  const rows = snapshots.map(({ snapshot }) => snapshot);
  const tagRows = rows.flatMap((snapshot) =>
    snapshot.tags.map((tag) => ({
      snapshotId: snapshot.id,
      tag,
      organizationId: snapshot.organizationId,
      isArchived: snapshot.isArchived,
      createdAt: snapshot.createdAt,
    })),
  );
  return [
    ...(linkContact
      ? chunkedInsert(db, trainingSnapshots, rows, { computed: { contactId: linkContact } })
      : chunkedInsert(db, trainingSnapshots, rows)),
    ...chunkedInsert(
      db,
      trainingSnapshotMessages,
      snapshots.flatMap(({ copies }) => copies),
    ),
    ...chunkedInsert(db, trainingSnapshotTags, tagRows),
  ];
}

/**
 * A new snapshot (`snapshotInserts`) and its event as one batch, then its document read back:
 * D1 runs a batch as one transaction, so a snapshot is written whole or not at all.
 */
export async function insertSnapshot(
  db: Database,
  outbox: Outbox,
  snapshot: SnapshotInsert,
  copies: NewSnapshotMessage[],
): Promise<{ version: number; doc: string }> {
  const { organizationId, id } = snapshot;
  const results = await db.batch([
    ...snapshotInserts(db, [{ snapshot, copies }]),
    outbox.event(
      db,
      organizationId,
      "training.snapshot.created",
      snapshotDocumentSql(db, organizationId, id),
      { now: snapshot.createdAt },
    ),
    selectSnapshotDocument(db, organizationId, id),
  ] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  const [created] = results.at(-1) as { version: number; doc: string }[];
  return created as { version: number; doc: string };
}
