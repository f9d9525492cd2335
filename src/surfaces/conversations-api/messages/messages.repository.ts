import { and, eq, type Placeholder, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { renderedBatch } from "../../../platform/db/rendered-once";
import type { RequestDatabase } from "../../../platform/db/request-database";
import { conversations, messages, type WebhookEventType } from "../../../platform/db/schema";
import { eventInsert, type Outbox } from "../../../platform/events/outbox";
import type { MessageRow } from "../conversations/conversations.ingest";
import {
  insertedMessageJson,
  type MessageEventKind,
  messageEventSql,
  selectActionResult,
  selectRevisions,
} from "./messages.document";
import {
  type DraftOrigin,
  draftInserts,
  isDraft,
  originsJson,
  type ReviewStep,
  reviewStepStatements,
  selectReview,
} from "./messages.drafts";

const APPEND_VALUES = [
  "organizationId",
  "conversationId",
  "id",
  "direction",
  "senderType",
  "sent",
  "message",
  "status",
  "createdAt",
  "updatedAt",
  "now",
  "eventId",
  "origins",
  "keyId",
] as const;

/** The event its batch announces: named once, for its insert and for the outbox. */
const MESSAGE_CREATED = "conversation.message.created" as const;

/**
 * The statements of an append, rendered once per isolate (with and without a draft's history):
 * the insert selects from the conversation, so nothing is written for a missing one (or another
 * tenant's), and returns the message's document; every statement after it only follows an insert
 * (`changes()`), the event only when an endpoint listens.
 *
 * A message the server times (no `createdAt` or `updatedAt` given: both bound null) is written
 * at its conversation's next millisecond or later, in the transaction that orders it: messages
 * read in time order are in the order they were written, however many arrive in one millisecond,
 * and the conversation's updatedAt (moved to the same value) is its last message's time.
 */
const appendStatements = (withDraft: boolean) =>
  renderedBatch(APPEND_VALUES, (db, p) => {
    const c = conversations;
    const timed = (given: Placeholder) =>
      sql<number>`coalesce(${given}, max(${p.now}, ${c.updatedAt} + 1))`;
    return [
      db
        .insert(messages)
        .select(
          db
            .select({
              id: sql<string>`${p.id}`.as("id"),
              organizationId: c.organizationId,
              conversationId: c.id,
              direction: sql<string>`${p.direction}`.as("direction"),
              senderType: sql<string>`${p.senderType}`.as("sender_type"),
              sent: sql<boolean>`${p.sent}`.as("sent"),
              message: sql<string>`${p.message}`.as("message"),
              status: sql<string>`${p.status}`.as("status"),
              createdAt: timed(p.createdAt).as("created_at"),
              updatedAt: timed(p.updatedAt).as("updated_at"),
            })
            .from(c)
            .where(and(eq(c.id, p.conversationId), eq(c.organizationId, p.organizationId))),
        )
        // The document of the row written: none when there is no such conversation.
        .returning({ doc: sql<string>`${insertedMessageJson}`.as("doc") }),
      db
        .update(c)
        .set({
          updatedAt: sql`max(${c.updatedAt} + 1, ${p.now}, coalesce(${p.updatedAt}, ${p.now}))`,
        })
        .where(
          and(
            eq(c.id, p.conversationId),
            eq(c.organizationId, p.organizationId),
            sql`changes() > 0`,
          ),
        ),
      // The touch changed a row only if the message was inserted.
      eventInsert(db, {
        id: p.eventId,
        organizationId: p.organizationId,
        type: MESSAGE_CREATED,
        data: messageEventSql(db, p.organizationId, p.id),
        now: p.now,
        when: sql`changes() > 0`,
      }),
      // An AI draft starts its history (nothing is written for any other message).
      ...(withDraft
        ? draftInserts(db, p.organizationId, p.origins, { type: "apiKey", id: p.keyId })
        : []),
    ];
  });
const appendPlain = appendStatements(false);
const appendDraft = appendStatements(true);
/** Where the message's insert (its document) and the event's are in an append's batch. */
const INSERT_POSITION = 0;
const EVENT_POSITION = 2;

/**
 * Appends a message to a conversation of the organization, and moves the conversation's
 * `updatedAt`, in one batch (one D1 round trip) of statements rendered once. The message's
 * document (JSON text), or undefined when there is no such conversation.
 */
export async function appendMessage(
  db: RequestDatabase,
  outbox: Outbox,
  organizationId: string,
  conversationId: string,
  message: MessageRow,
  now: number,
  author: { keyId: string; origin?: Omit<DraftOrigin, "messageId"> },
  /** Whether the client gave no time: the message is then timed by its write. */
  stamped = false,
): Promise<string | undefined> {
  const event = outbox.newEvent(organizationId, MESSAGE_CREATED, now);
  const statements = (isDraft(message) ? appendDraft : appendPlain)({
    organizationId,
    conversationId,
    id: message.id,
    direction: message.direction,
    senderType: message.senderType,
    sent: message.sent ? 1 : 0,
    message: message.message,
    status: message.status,
    createdAt: stamped ? null : message.createdAt,
    updatedAt: stamped ? null : message.updatedAt,
    now,
    eventId: event.id,
    origins: originsJson([{ ...author.origin, messageId: message.id }]),
    keyId: author.keyId,
  });
  const results = await outbox.batchStatements(db, statements, [[EVENT_POSITION, event]]);
  const [appended] = results[INSERT_POSITION] as { doc: string }[];
  return appended?.doc;
}

export interface MessageChange {
  status: "approved" | "rejected" | "pending";
  sent: boolean;
  message?: string;
}

/** The event each outcome of an action announces (an edit keeps the message pending). */
const ACTION_EVENTS = {
  approved: ["conversation.message.approved", "reviewed"],
  rejected: ["conversation.message.rejected", "reviewed"],
  pending: ["conversation.message.edited", "edited"],
} as const satisfies Record<MessageChange["status"], [WebhookEventType, MessageEventKind]>;

/** A draft's review after an action: what is left to compute (the edit distance) needs it. */
export type Review = {
  outcome: string | null;
  draft: string | null;
  final: string | null;
  editDistance: number | null;
};

export type ActionOutcome =
  | { status: "done"; doc: string; review: Review | undefined }
  | { status: "not_found" }
  | { status: "not_pending"; current: { direction: string; status: string } };

/**
 * Applies an action to a pending outbound message, atomically and in one round trip: the
 * draft's history records the step first (messages.drafts.ts, under the same condition); the
 * conditional UPDATE only touches a message that is still pending and outbound; the
 * conversation's updatedAt moves only if it did (`changes()` is the previous statement's count);
 * the final read tells a missing message (404) from one in another state (409), and builds the
 * action's answer.
 */
export async function applyMessageAction(
  db: RequestDatabase,
  outbox: Outbox,
  organizationId: string,
  conversationId: string,
  messageId: string,
  change: MessageChange,
  step: ReviewStep,
): Promise<ActionOutcome> {
  const { now } = step;
  const m = messages;
  const ofMessage = and(
    eq(m.id, messageId),
    eq(m.conversationId, conversationId),
    eq(m.organizationId, organizationId),
  );
  const history = reviewStepStatements(db, organizationId, conversationId, messageId, step);
  const [event, kind] = ACTION_EVENTS[change.status];
  const results = await outbox.batch(db, [
    ...history,
    db
      .update(m)
      .set({
        status: change.status,
        sent: change.sent,
        ...(change.message === undefined ? {} : { message: change.message }),
        updatedAt: sql`max(${m.updatedAt} + 1, ${now})`,
      })
      .where(and(ofMessage, eq(m.status, "pending"), eq(m.direction, "outbound")))
      .returning({ id: m.id }),
    db
      .update(conversations)
      .set({ updatedAt: sql`max(${conversations.updatedAt} + 1, ${now})` })
      .where(
        and(
          eq(conversations.id, conversationId),
          eq(conversations.organizationId, organizationId),
          sql`changes() > 0`,
        ),
      ),
    // The touch changed a row only if the action applied.
    outbox.event(db, organizationId, event, messageEventSql(db, organizationId, messageId, kind), {
      when: sql`changes() > 0`,
      now,
    }),
    selectActionResult(db, organizationId, conversationId, messageId),
    selectReview(db, organizationId, messageId),
  ] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  const updated = results[history.length] as unknown[];
  const current = results.at(-2) as { direction: string; status: string; doc: string }[];
  const [review] = results.at(-1) as Review[];
  const after = current[0];
  if (!after) return { status: "not_found" };
  if (updated.length === 0) {
    return { status: "not_pending", current: { direction: after.direction, status: after.status } };
  }
  return { status: "done", doc: after.doc, review };
}

/** A message's draft history (JSON text), or null when the conversation has no such message. */
export async function findRevisions(
  db: RequestDatabase,
  organizationId: string,
  conversationId: string,
  messageId: string,
): Promise<string | null> {
  const found = await db.readFirst<{ doc: string }>(
    selectRevisions(db, organizationId, conversationId, messageId).toSQL(),
  );
  return found?.doc ?? null;
}
