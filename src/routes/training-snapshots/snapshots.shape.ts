import { textOrNull } from "../../lib/text";
import { toIso, toIsoOrNull } from "../../lib/time";
import type { SnapshotMessageRecord, SnapshotRecord } from "./snapshots.repository";
import type { Snapshot } from "./snapshots.schemas";

/** Rows → the documented snapshot document: populated refs, ISO dates, chronological messages. */
export function shapeSnapshot(record: SnapshotRecord, messages: SnapshotMessageRecord[]): Snapshot {
  const { snapshot, user, contact } = record;
  return {
    _id: snapshot.id,
    organizationId: snapshot.organizationId,
    userId: user
      ? { _id: user.id, firstName: user.firstName, lastName: user.lastName, email: user.email }
      : null,
    contactId: contact
      ? {
          _id: contact.id,
          firstName: contact.firstName,
          lastName: textOrNull(contact.lastName),
          phoneNumber: textOrNull(contact.phoneNumber),
          email: textOrNull(contact.email),
          channelType: contact.channelType,
        }
      : null,
    customerName: textOrNull(snapshot.customerName),
    customerPhone: textOrNull(snapshot.customerPhone),
    customerEmail: textOrNull(snapshot.customerEmail),
    messages: messages.map((m) => ({
      id: m.messageId,
      content: m.content,
      sender: m.sender,
      senderType: m.senderType,
      timestamp: toIso(m.timestamp),
    })),
    messageCount: messages.length,
    snapshotDate: toIso(snapshot.snapshotDate),
    conversationStartDate: toIsoOrNull(snapshot.conversationStartDate),
    conversationEndDate: toIsoOrNull(snapshot.conversationEndDate),
    notes: textOrNull(snapshot.notes),
    tags: snapshot.tags,
    quality: snapshot.quality,
    category: textOrNull(snapshot.category),
    isArchived: snapshot.isArchived,
    createdAt: toIso(snapshot.createdAt),
    updatedAt: toIso(snapshot.updatedAt),
  };
}
