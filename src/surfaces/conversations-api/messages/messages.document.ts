import { and, eq, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Database } from "../../../platform/db/client";
import { bool, iso, jsonObject, textOrNull } from "../../../platform/db/json-document";
import { contacts, conversations, messages } from "../../../platform/db/schema";
import { sameTenant } from "../../../platform/db/tenant";
import {
  ConversationMessageSchema,
  MessageActionResponseSchema,
  MessageEventDataSchema,
} from "./messages.schemas";

/*
 * The message documents, defined once: a message as its conversation lists it (in the
 * conversation's `messages`, the answer of `POST …/messages`, the `conversation.message.*`
 * events) and the answer of a message action. Keys and their order are their schemas'.
 */

const c = conversations;
/** A message, read as `m`: in a conversation's `messages` subquery, or alone. */
const m = alias(messages, "m");

const messageFields = {
  direction: m.direction,
  sent: bool(m.sent),
  message: m.message,
  status: m.status,
  _id: m.id,
  createdAt: iso(m.createdAt),
  updatedAt: iso(m.updatedAt),
};

/** A message as it appears in its conversation's `messages`. */
export const messageJson = jsonObject(ConversationMessageSchema, messageFields);

const ofMessage = (organizationId: string, id: string) =>
  and(eq(m.id, id), eq(m.organizationId, organizationId));

/** One message's `{ doc }`, as its conversation lists it. */
export const selectMessageDocument = (db: Database, organizationId: string, id: string) =>
  db
    .select({ doc: sql<string>`${messageJson}`.as("doc") })
    .from(m)
    .where(ofMessage(organizationId, id));

/** A message event's data (`{ conversationId, message }`) as a scalar subquery. */
export const messageEventSql = (db: Database, organizationId: string, id: string): SQL =>
  sql`(${db
    .select({
      doc: sql<string>`${jsonObject(MessageEventDataSchema, {
        conversationId: m.conversationId,
        message: messageJson,
      })}`.as("doc"),
    })
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
