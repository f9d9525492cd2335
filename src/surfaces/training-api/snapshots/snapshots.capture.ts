import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../../../platform/db/client";
import type { TrainingSnapshotRow } from "../../../platform/db/schema";
import { contacts, conversations, messages, users } from "../../../platform/db/schema";
import { sameTenant } from "../../../platform/db/tenant";
import { ApiError, type FieldIssue, validationError } from "../../../platform/errors/api-error";
import { fullName, textOrNull } from "../../../platform/util/text";
import type { NewSnapshotMessage } from "./snapshots.repository";
import { type CreateSnapshotBody, MAX_SNAPSHOT_MESSAGES } from "./snapshots.schemas";

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

/** A snapshot ready to insert: the whole row (as the 201 shapes it) and its message copies. */
export interface AssembledSnapshot {
  snapshot: TrainingSnapshotRow;
  copies: NewSnapshotMessage[];
}

/**
 * A conversation message as a snapshot stores it: outbound messages were sent by the
 * organization's side (`user`, written by AI, a human or the system); inbound ones by the contact.
 */
function copyMessage(message: CapturableMessage) {
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
const customerCopy = (contact: NonNullable<CaptureSources["contact"]>) => ({
  customerName: fullName(contact.firstName, contact.lastName),
  customerPhone: textOrNull(contact.phoneNumber),
  customerEmail: textOrNull(contact.email),
});

/** Unknown ids of `messageIds`, each named by its position in the body. */
function unknownMessages(body: CreateSnapshotBody, sources: CaptureSources): FieldIssue[] {
  if (!body.messageIds) return [];
  const captured = new Set(sources.messages.map((m) => m.id));
  const within = body.conversationId ? " in this conversation" : "";
  return body.messageIds.flatMap((id, i) =>
    captured.has(id)
      ? []
      : [
          {
            field: `body.messageIds[${i}]`,
            rule: "unknown_message",
            message: `"${id}" is not a message of this contact${within}`,
          },
        ],
  );
}

/**
 * The snapshot a create makes, from the request and what `loadCaptureSources` read: every rule
 * of the capture checked (creator still there, contact and conversation of this organization,
 * every named message found, at most 1,000), then the copies in chronological order with the
 * customer's details and the dates. Pure: the caller chooses the id and the time.
 */
export function capturedSnapshot(
  body: CreateSnapshotBody,
  sources: CaptureSources,
  target: { id: string; organizationId: string; now: number },
): AssembledSnapshot {
  if (!sources.creator) {
    throw new ApiError("invalid_token", "Invalid or expired token: the user no longer exists");
  }
  if (!sources.contact) throw new ApiError("not_found", `Contact ${body.contactId} not found`);
  if (body.conversationId && sources.conversation?.contactId !== sources.contact.id) {
    throw new ApiError(
      "not_found",
      `Conversation ${body.conversationId} not found for contact ${body.contactId}`,
    );
  }
  const unknown = unknownMessages(body, sources);
  if (unknown.length > 0) throw validationError(unknown);
  if (sources.messages.length > MAX_SNAPSHOT_MESSAGES) {
    throw validationError([
      {
        field: "body",
        rule: "max_messages",
        message: `would capture more than ${MAX_SNAPSHOT_MESSAGES} messages; name a conversationId or messageIds`,
      },
    ]);
  }

  const { id, organizationId, now } = target;
  const copies = sources.messages.map((message, position) => ({
    snapshotId: id,
    position,
    organizationId,
    ...copyMessage(message),
  }));
  const snapshot = {
    id,
    organizationId,
    userId: sources.creator.id,
    contactId: sources.contact.id,
    conversationId: body.conversationId ?? null,
    ...customerCopy(sources.contact),
    messageCount: copies.length,
    snapshotDate: now,
    conversationStartDate: copies[0]?.timestamp ?? null,
    conversationEndDate: copies.at(-1)?.timestamp ?? null,
    notes: textOrNull(body.notes),
    tags: body.tags ?? [],
    quality: body.quality ?? null,
    category: body.category ?? null,
    isArchived: false,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  return { snapshot, copies };
}
