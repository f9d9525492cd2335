import { and, asc, eq } from "drizzle-orm";
import { aliased, presentOrNull } from "../../../../platform/db/aliased";
import type { Database } from "../../../../platform/db/client";
import {
  contacts,
  trainingSnapshotMessages,
  trainingSnapshots,
  users,
} from "../../../../platform/db/schema";
import { sameTenant } from "../../../../platform/db/tenant";

/*
 * The selections every snapshot read shares: the snapshot with its creator and contact (aliased,
 * see platform/db/aliased.ts), its message copies, and the row → record mapping.
 */
export const snapshotWithRefs = {
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

export const snapshotMessage = {
  snapshotId: trainingSnapshotMessages.snapshotId,
  messageId: trainingSnapshotMessages.messageId,
  content: trainingSnapshotMessages.content,
  sender: trainingSnapshotMessages.sender,
  senderType: trainingSnapshotMessages.senderType,
  timestamp: trainingSnapshotMessages.timestamp,
};

export const ofOrganization = (organizationId: string, id: string) =>
  and(eq(trainingSnapshots.organizationId, organizationId), eq(trainingSnapshots.id, id));

export function selectSnapshot(db: Database, organizationId: string, id: string) {
  return db
    .select(snapshotWithRefs)
    .from(trainingSnapshots)
    .leftJoin(users, sameTenant(users, trainingSnapshots.userId, trainingSnapshots))
    .leftJoin(contacts, sameTenant(contacts, trainingSnapshots.contactId, trainingSnapshots))
    .where(ofOrganization(organizationId, id))
    .limit(1);
}

export function selectSnapshotMessages(db: Database, organizationId: string, snapshotId: string) {
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

export type SnapshotRow = Awaited<ReturnType<typeof selectSnapshot>>[number];

export interface SnapshotRecord {
  snapshot: SnapshotRow["snapshot"];
  user: (SnapshotRow["user"] & { id: string }) | null;
  contact: (SnapshotRow["contact"] & { id: string }) | null;
}

export type SnapshotMessageRecord = Awaited<ReturnType<typeof selectSnapshotMessages>>[number];

export interface SnapshotWithMessages {
  record: SnapshotRecord;
  messages: SnapshotMessageRecord[];
}

export const toRecord = (row: SnapshotRow): SnapshotRecord => ({
  snapshot: row.snapshot,
  user: presentOrNull(row.user),
  contact: presentOrNull(row.contact),
});
