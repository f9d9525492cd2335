import { type Placeholder, type SQL, sql } from "drizzle-orm";
import { chunkedInsert, jsonInserts, type RowField } from "../../../platform/db/chunked-insert";
import type { Database } from "../../../platform/db/client";
import { contacts, type conversations, type messages } from "../../../platform/db/schema";
import { NAME_MAX_LENGTH } from "../../../platform/http/schemas";
import { splitFullName } from "../../../platform/util/text";
import { type DraftOrigin, isDraft } from "../messages/messages.drafts";
import type { NewMessage } from "../messages/messages.schemas";
import type { CreateConversationBody } from "./conversations.schemas";

/*
 * Ingestion, shared by the API (`POST /v1/api/conversations`, `…/messages`) and `npm run import`:
 * what a conversation or a message becomes (defaults, dates, the contact made from the
 * customer), and the SQL that links it to the organization's contact. Pure: ids and the time
 * are the caller's.
 */

export type ContactRow = Omit<typeof contacts.$inferInsert, "organizationId">;
export type ConversationRow = Omit<
  typeof conversations.$inferInsert,
  "organizationId" | "contactId"
>;
export type MessageRow = Omit<typeof messages.$inferInsert, "organizationId" | "conversationId">;

export interface PlannedConversation {
  /** Made only if no contact of the organization has this phone or email. */
  contact: ContactRow;
  conversation: ConversationRow;
  messages: MessageRow[];
  /** Its AI drafts (outbound, pending), with what produced them. */
  drafts: DraftOrigin[];
}

/** The statuses of a message that went out (or came in): `sent` defaults to true for them. */
const SENT_STATUSES: ReadonlySet<string> = new Set(["approved", "sent", "delivered", "received"]);

/**
 * A message with the defaults of its direction: inbound received, outbound a draft (pending).
 * `sent` follows the status unless given: a `delivered` outbound message was sent.
 */
export function planMessage(message: NewMessage, id: string, at: number): MessageRow {
  const inbound = message.direction === "inbound";
  const createdAt = message.createdAt ?? at;
  const status = message.status ?? (inbound ? "received" : "pending");
  return {
    id: message._id ?? id,
    direction: message.direction,
    senderType: message.senderType ?? (inbound ? "human" : "AI"),
    sent: message.sent ?? SENT_STATUSES.has(status),
    message: message.message,
    status,
    createdAt,
    updatedAt: Math.max(message.updatedAt ?? createdAt, createdAt),
  };
}

/**
 * The name of the contact made from a customer: "Test Customer Name" → Test / Customer Name
 * (the schema holds each part to a contact name's length). Without a name, the email stands in
 * when it fits a first name, else the phone, else "Customer".
 */
export function contactNameOf(customer: CreateConversationBody["customer"]) {
  const email = customer.email && customer.email.length <= NAME_MAX_LENGTH ? customer.email : null;
  return splitFullName(customer.name?.trim() || email || customer.phone || "Customer");
}

/**
 * The contact a customer becomes when the organization has none with their phone or email: named
 * after the customer (else their email or phone), on the channel given or the one their details
 * suggest.
 */
export function contactFromCustomer(
  customer: CreateConversationBody["customer"],
  id: string,
  now: number,
  channelType?: ContactRow["channelType"],
): ContactRow {
  return {
    id,
    ...contactNameOf(customer),
    phoneNumber: customer.phone ?? null,
    email: customer.email ?? null,
    channelType: channelType ?? (customer.phone ? "sms" : customer.email ? "email" : "webchat"),
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The rows of a new conversation. Messages without a time follow the conversation's start one
 * millisecond apart, in the order given; the conversation starts at its own `createdAt`, else
 * at its first message, else now, and was last updated at its latest message.
 */
export function planConversation(
  body: CreateConversationBody,
  ids: { conversation: string; contact: string; message: (i: number) => string },
  now: number,
): PlannedConversation {
  const given = (body.messages ?? []).map((m) => m.createdAt).filter((t) => t !== undefined);
  const createdAt = body.createdAt ?? (given.length > 0 ? Math.min(...given) : now);
  const sent = body.messages ?? [];
  const rows = sent.map((m, i) => planMessage(m, ids.message(i), createdAt + i));
  const latest = rows.reduce((max, m) => Math.max(max, m.updatedAt), createdAt);
  return {
    contact: contactFromCustomer(body.customer, ids.contact, now, body.channelType),
    conversation: {
      id: body._id ?? ids.conversation,
      userId: body.userId ?? null,
      pathwayId: body.pathwayId ?? null,
      agentId: body.agentId ?? null,
      createdAt,
      updatedAt: Math.max(body.updatedAt ?? latest, latest),
    },
    messages: rows,
    drafts: rows.flatMap((row, i) =>
      isDraft(row)
        ? [{ messageId: row.id, model: sent[i]?.model, promptVersion: sent[i]?.promptVersion }]
        : [],
    ),
  };
}

/**
 * The organization's contact with this phone, else with this email, else the one just made from
 * the customer (SQL, for the conversation's statement; the parts may be SQL over its row).
 */
export const linkedContact = (
  organizationId: string | Placeholder,
  contact: { id: string | SQL; phoneNumber?: string | SQL | null; email?: string | SQL | null },
): SQL => sql`coalesce(
  (select id from "contacts" where "organization_id" = ${organizationId} and "phone_number" = ${contact.phoneNumber ?? null}),
  (select id from "contacts" where "organization_id" = ${organizationId} and "email" = ${contact.email ?? null}),
  (select id from "contacts" where "organization_id" = ${organizationId} and "id" = ${contact.id}))`;

/**
 * The customers' contacts, for the batch that writes what they belong to: each made unless the
 * organization has one with its phone or email (its unique indexes refuse it, and DO NOTHING
 * keeps the statement quiet), so linking and creating cannot race.
 */
export const customerContactInserts = (db: Database, organizationId: string, rows: ContactRow[]) =>
  chunkedInsert(
    db,
    contacts,
    rows.map((contact) => ({ ...contact, organizationId })),
    { onConflict: "ignore" },
  );

/** `customerContactInserts` for rows already bound as JSON chunks (or their placeholders). */
export const customerContactJsonInserts = (
  db: Database,
  given: string[],
  chunks: (string | Placeholder)[],
  oneRow: boolean,
) => jsonInserts(db, contacts, given, chunks, { onConflict: "ignore", oneRow });

/** `linkedContact` for rows that carry their customer's contact (`ContactRow`) as `contact`. */
export const linkedContactOfRow =
  (organizationId: string | Placeholder) =>
  (row: RowField): SQL =>
    linkedContact(organizationId, {
      id: row("contact.id"),
      phoneNumber: row("contact.phoneNumber"),
      email: row("contact.email"),
    });
