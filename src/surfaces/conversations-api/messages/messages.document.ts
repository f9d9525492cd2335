import { and, eq, type Placeholder, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Database } from "../../../platform/db/client";
import {
  arrayOf,
  bool,
  iso,
  jsonObject,
  objectOrNull,
  reviewSeconds,
  textOrNull,
} from "../../../platform/db/json-document";
import {
  contacts,
  conversations,
  draftRevisions,
  drafts,
  messages,
} from "../../../platform/db/schema";
import { sameTenant } from "../../../platform/db/tenant";
import {
  ConversationMessageSchema,
  MessageActionResponseSchema,
  MessageEditedEventDataSchema,
  MessageEventDataSchema,
  MessageReviewedEventDataSchema,
  MessageRevisionsSchema,
  RevisionActorSchema,
  RevisionSchema,
} from "./messages.schemas";

/*
 * The message documents, defined once: a message as its conversation lists it (in the
 * conversation's `messages`, the answer of `POST …/messages`, the `conversation.message.*`
 * events) and the answer of a message action. Keys and their order are their schemas'.
 */

const c = conversations;
/** A message, read as `m`: in a conversation's `messages` subquery, or alone. */
const m = alias(messages, "m");

/** A message as it appears in its conversation's `messages`, over a row of `row`. */
const messageJsonOf = (row: typeof messages | typeof m) =>
  jsonObject(ConversationMessageSchema, {
    direction: row.direction,
    sent: bool(row.sent),
    message: row.message,
    status: row.status,
    _id: row.id,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  });

/** A message as it appears in its conversation's `messages`, read as `m`. */
export const messageJson = messageJsonOf(m);

/** The same document over the row an insert into `messages` returns (`RETURNING`). */
export const insertedMessageJson = messageJsonOf(messages);

/** A value bound as it is, or the placeholder of a statement rendered once. */
type Value = string | Placeholder;

const ofMessage = (organizationId: Value, id: Value) =>
  and(eq(m.id, id), eq(m.organizationId, organizationId));

/** The data of a message event: the message, and what the event adds about the review. */
const eventJson = {
  created: jsonObject(MessageEventDataSchema, {
    conversationId: m.conversationId,
    message: messageJson,
  }),
  edited: jsonObject(MessageEditedEventDataSchema, {
    conversationId: m.conversationId,
    message: messageJson,
    // The text before this edit: the step before the last (null when it is not known).
    previousMessage: sql`(select ${draftRevisions.message} from ${draftRevisions}
      where ${draftRevisions.messageId} = ${m.id} order by ${draftRevisions.revision} desc limit 1 offset 1)`,
  }),
  reviewed: jsonObject(MessageReviewedEventDataSchema, {
    conversationId: m.conversationId,
    message: messageJson,
    reviewSeconds: sql`(select ${reviewSeconds(drafts.reviewMs)} from ${drafts} where ${drafts.messageId} = ${m.id})`,
  }),
};

export type MessageEventKind = keyof typeof eventJson;

/** A message event's data as a scalar subquery, written in the batch of its change. */
export const messageEventSql = (
  db: Database,
  organizationId: Value,
  id: Value,
  kind: MessageEventKind = "created",
): SQL =>
  sql`(${db
    .select({ doc: sql<string>`${eventJson[kind]}`.as("doc") })
    .from(m)
    .where(ofMessage(organizationId, id))})`;

/**
 * Where a reply to the contact goes: the email address on the email channel, the phone number
 * otherwise (each falling back on the other).
 */
const recipient = sql`case when ${contacts.channelType} = 'email'
  then coalesce(${textOrNull(contacts.email)}, ${textOrNull(contacts.phoneNumber)})
  else coalesce(${textOrNull(contacts.phoneNumber)}, ${textOrNull(contacts.email)}) end`;

/** The answer of a message action, over the message `m` joined with its conversation's contact. */
const actionResultJson = jsonObject(MessageActionResponseSchema, {
  status: sql`'success'`,
  message: jsonObject(MessageActionResponseSchema.shape.message, {
    _id: m.id,
    message: m.message,
    to: recipient,
    sent: bool(m.sent),
    status: m.status,
    timestamp: iso(m.updatedAt),
  }),
});

/**
 * A message of a conversation with what an action needs to know of it: its direction and status
 * (to tell 404 from 409) and, once acted on, the action's answer (`doc`).
 */
export const selectActionResult = (
  db: Database,
  organizationId: string,
  conversationId: string,
  messageId: string,
) =>
  db
    .select({
      direction: m.direction,
      status: m.status,
      doc: sql<string>`${actionResultJson}`.as("doc"),
    })
    .from(m)
    .innerJoin(c, sameTenant(c, m.conversationId, m))
    .innerJoin(contacts, sameTenant(contacts, c.contactId, c))
    .where(and(ofMessage(organizationId, messageId), eq(m.conversationId, conversationId)));

/** A step of a draft's history, read as `r` (the rows of a subquery in revision order). */
const r = alias(draftRevisions, "r");

const revisionJson = jsonObject(RevisionSchema, {
  revision: r.revision,
  action: r.action,
  message: r.message,
  actor: objectOrNull(
    r.actorType,
    jsonObject(RevisionActorSchema.unwrap(), {
      type: r.actorType,
      _id: r.actorId,
      name: r.actorName,
    }),
  ),
  createdAt: iso(r.createdAt),
});

/** A draft's history: the message, its status and its steps, oldest first. */
const revisionsJson = jsonObject(MessageRevisionsSchema, {
  messageId: m.id,
  status: m.status,
  revisions: arrayOf(
    revisionJson,
    sql`(select * from ${draftRevisions}
      where ${draftRevisions.messageId} = ${m.id} order by ${draftRevisions.revision}) as ${sql.identifier("r")}`,
  ),
});

/** The history of a message of a conversation as `{ doc }`, or no row (no such message). */
export const selectRevisions = (
  db: Database,
  organizationId: string,
  conversationId: string,
  messageId: string,
) =>
  db
    .select({ doc: sql<string>`${revisionsJson}`.as("doc") })
    .from(m)
    .where(and(ofMessage(organizationId, messageId), eq(m.conversationId, conversationId)));
