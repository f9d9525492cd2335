import { and, asc, eq } from "drizzle-orm";
import { aliased, presentOrNull } from "../../db/aliased";
import type { Database } from "../../db/client";
import { contacts, trainingSnapshotMessages, trainingSnapshots, users } from "../../db/schema";

const snapshotWithRefs = {
  snapshot: trainingSnapshots,
  user: aliased("user__", {
    id: users.id,
    firstName: users.firstName,
    lastName: users.lastName,
    email: users.email,
  }),
  contact: aliased("contact__", {
    id: contacts.id,
    firstName: contacts.firstName,
    lastName: contacts.lastName,
    phoneNumber: contacts.phoneNumber,
    email: contacts.email,
    channelType: contacts.channelType,
  }),
};

const snapshotMessage = {
  messageId: trainingSnapshotMessages.messageId,
  content: trainingSnapshotMessages.content,
  sender: trainingSnapshotMessages.sender,
  senderType: trainingSnapshotMessages.senderType,
  timestamp: trainingSnapshotMessages.timestamp,
};

function selectSnapshot(db: Database, organizationId: string, id: string) {
  return db
    .select(snapshotWithRefs)
    .from(trainingSnapshots)
    .leftJoin(users, eq(users.id, trainingSnapshots.userId))
    .leftJoin(contacts, eq(contacts.id, trainingSnapshots.contactId))
    .where(and(eq(trainingSnapshots.organizationId, organizationId), eq(trainingSnapshots.id, id)))
    .limit(1);
}

function selectSnapshotMessages(db: Database, organizationId: string, snapshotId: string) {
  return db
    .select(snapshotMessage)
    .from(trainingSnapshotMessages)
    .where(
      and(
        eq(trainingSnapshotMessages.snapshotId, snapshotId),
        eq(trainingSnapshotMessages.organizationId, organizationId),
      ),
    )
    .orderBy(asc(trainingSnapshotMessages.position));
}

type SnapshotRow = Awaited<ReturnType<typeof selectSnapshot>>[number];

export interface SnapshotRecord {
  snapshot: SnapshotRow["snapshot"];
  user: (SnapshotRow["user"] & { id: string }) | null;
  contact: (SnapshotRow["contact"] & { id: string }) | null;
}
export type SnapshotMessageRecord = Awaited<ReturnType<typeof selectSnapshotMessages>>[number];

/**
 * A snapshot with its creator, contact and message copies, in one D1 round trip: the two
 * statements go as one batch, which D1 runs in one transaction, so they see the same data.
 */
export async function findSnapshot(
  db: Database,
  organizationId: string,
  id: string,
): Promise<{ record: SnapshotRecord; messages: SnapshotMessageRecord[] } | null> {
  const [rows, messages] = await db.batch([
    selectSnapshot(db, organizationId, id),
    selectSnapshotMessages(db, organizationId, id),
  ]);
  const row = rows[0];
  if (!row) return null;
  const record = {
    snapshot: row.snapshot,
    user: presentOrNull(row.user),
    contact: presentOrNull(row.contact),
  };
  return { record, messages };
}

/** The statements `findSnapshot` runs, for EXPLAIN QUERY PLAN checks. */
export const snapshotQueries = (db: Database, organizationId: string, id: string) => [
  selectSnapshot(db, organizationId, id).toSQL(),
  selectSnapshotMessages(db, organizationId, id).toSQL(),
];
