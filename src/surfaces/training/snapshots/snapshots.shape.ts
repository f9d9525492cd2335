import type { z } from "@hono/zod-openapi";
import { fullName, textOrNull } from "../../../platform/util/text";
import { toIso, toIsoOrNull } from "../../../platform/util/time";
import type { CapturableMessage } from "./repository/capture";
import type { SnapshotMessageRecord, SnapshotRecord } from "./repository/records";
import type { Snapshot, SnapshotListItemSchema } from "./snapshots.schemas";

type SnapshotListItem = z.infer<typeof SnapshotListItemSchema>;

/** Rows → a snapshot without its messages: populated refs, ISO dates, empty text as null. */
export function shapeSnapshotListItem(
  record: SnapshotRecord,
  messageCount: number = record.snapshot.messageCount,
): SnapshotListItem {
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
    messageCount,
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

/** Rows → the documented snapshot document, messages oldest first, `messageCount` = their number. */
export function shapeSnapshot(record: SnapshotRecord, messages: SnapshotMessageRecord[]): Snapshot {
  const { messageCount, ...rest } = shapeSnapshotListItem(record, messages.length);
  const { notes, tags, quality, category, isArchived, createdAt, updatedAt, ...head } = rest;
  const { snapshotDate, conversationStartDate, conversationEndDate, ...refs } = head;
  // Key order as the vendor documents it: messages and their count sit between the customer
  // copy and the dates.
  return {
    ...refs,
    messages: messages.map((m) => ({
      id: m.messageId,
      content: m.content,
      sender: m.sender,
      senderType: m.senderType,
      timestamp: toIso(m.timestamp),
    })),
    messageCount,
    snapshotDate,
    conversationStartDate,
    conversationEndDate,
    notes,
    tags,
    quality,
    category,
    isArchived,
    createdAt,
    updatedAt,
  };
}

/**
 * A conversation message as a snapshot stores it: outbound messages were sent by the
 * organization's side (`user`, written by AI, a human or the system); inbound ones by the contact.
 */
export function copyMessage(message: CapturableMessage) {
  const outbound = message.direction === "outbound";
  return {
    messageId: message.id,
    content: message.message,
    sender: outbound ? ("user" as const) : ("contact" as const),
    senderType: outbound ? message.senderType : ("human" as const),
    timestamp: message.createdAt,
  };
}

/** Customer fields copied from the contact at capture time. */
export function customerCopy(contact: NonNullable<SnapshotRecord["contact"]>) {
  return {
    customerName: fullName(contact.firstName, contact.lastName),
    customerPhone: textOrNull(contact.phoneNumber),
    customerEmail: textOrNull(contact.email),
  };
}

/** Chat roles for training: the organization's side is the assistant, the customer the user. */
const roleOf = (sender: SnapshotMessageRecord["sender"]) =>
  sender === "user" ? ("assistant" as const) : ("user" as const);

/** One item of the vendor's JSON export. */
export function shapeExportItem(
  snapshot: SnapshotRecord["snapshot"],
  messages: SnapshotMessageRecord[],
) {
  return {
    id: snapshot.id,
    customer: {
      name: textOrNull(snapshot.customerName),
      phone: textOrNull(snapshot.customerPhone),
      email: textOrNull(snapshot.customerEmail),
    },
    conversation: messages.map((m) => ({
      role: roleOf(m.sender),
      content: m.content,
      timestamp: toIso(m.timestamp),
      senderType: m.senderType,
    })),
    metadata: {
      quality: snapshot.quality,
      tags: snapshot.tags,
      messageCount: messages.length,
    },
  };
}

/** One line of chat fine-tuning JSONL: `{"messages":[{"role","content"},…]}`. */
export function shapeFineTuningLine(messages: SnapshotMessageRecord[]) {
  return { messages: messages.map((m) => ({ role: roleOf(m.sender), content: m.content })) };
}
