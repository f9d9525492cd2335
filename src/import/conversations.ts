import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../platform/db/client";
import { conversations, messages, users } from "../platform/db/schema";
import {
  type PlannedConversation,
  planConversation,
} from "../surfaces/conversations-api/conversations/conversations.ingest";
import { conversationInserts } from "../surfaces/conversations-api/conversations/conversations.repository";
import { CreateConversationBodySchema } from "../surfaces/conversations-api/conversations/conversations.schemas";
import type { Frame } from "./frames";
import {
  jsonList,
  type Outcome,
  type PlannedWrite,
  parseRecords,
  stableId,
  writeRecords,
} from "./records";

/*
 * A Trillet file: conversations in the Conversations API's get-by-id shape. Each record is a
 * CreateConversation body, checked by the API's own schema, planned by the API's own ingestion
 * and written by the API's own statements (`conversationInserts`): an imported conversation is
 * the one `POST /v1/api/conversations` would have made, ids kept. What the organization holds
 * already is left exactly as it is.
 */

interface Candidate {
  position: number;
  plan: PlannedConversation;
}

/** Ids for what the record leaves without one, stable across runs (see `stableId`). */
async function plan(
  organizationId: string,
  body: ReturnType<typeof CreateConversationBodySchema.parse>,
  text: string,
  now: number,
): Promise<PlannedConversation> {
  const conversationId = body._id ?? (await stableId(organizationId, "conversation", text));
  const customer = body.customer;
  const contactId = await stableId(
    organizationId,
    "contact",
    customer.phone ?? customer.email ?? conversationId,
  );
  const messageIds = await Promise.all(
    (body.messages ?? []).map((m, i) =>
      m._id ? m._id : stableId(conversationId, "message", String(i)),
    ),
  );
  return planConversation(
    body,
    { conversation: conversationId, contact: contactId, message: (i) => messageIds[i] ?? "" },
    now,
  );
}

/** Which of the batch's ids exist already, in which organization: one round trip. */
async function existing(db: Database, organizationId: string, candidates: Candidate[]) {
  const conversationIds = candidates.map((c) => c.plan.conversation.id);
  const messageIds = candidates.flatMap((c) => c.plan.messages.map((m) => m.id));
  const userIds = candidates.flatMap((c) =>
    c.plan.conversation.userId ? [c.plan.conversation.userId] : [],
  );
  const [foundConversations, foundMessages, foundUsers] = await db.batch([
    db
      .select({ id: conversations.id, organizationId: conversations.organizationId })
      .from(conversations)
      .where(
        sql`${conversations.id} in (select value from json_each(${jsonList(conversationIds)}))`,
      ),
    db
      .select({
        id: messages.id,
        organizationId: messages.organizationId,
        conversationId: messages.conversationId,
      })
      .from(messages)
      .where(sql`${messages.id} in (select value from json_each(${jsonList(messageIds)}))`),
    db
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          eq(users.organizationId, organizationId),
          sql`${users.id} in (select value from json_each(${jsonList(userIds)}))`,
        ),
      ),
  ]);
  return {
    conversations: new Map(foundConversations.map((r) => [r.id, r.organizationId])),
    messages: new Map(foundMessages.map((r) => [r.id, r])),
    users: new Set(foundUsers.map((r) => r.id)),
  };
}

/** The records of one batch, in file order: each created, unchanged, taken or rejected. */
export async function importConversations(
  db: Database,
  organizationId: string,
  records: Frame[],
  now: number,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const candidates: Candidate[] = await Promise.all(
    parseRecords(records, CreateConversationBodySchema, outcomes).map(
      async ({ position, value, text }) => ({
        position,
        plan: await plan(organizationId, value, text, now),
      }),
    ),
  );
  if (candidates.length === 0) return outcomes;

  const found = await existing(db, organizationId, candidates);
  const firstWith = new Map<string, number>();
  /** The batch's message ids, each with the record that has it. */
  const messageOwners = new Map<string, number>();
  const writes: PlannedWrite<PlannedConversation>[] = [];
  for (const { position, plan } of candidates) {
    const { id, userId } = plan.conversation;
    const repeated = firstWith.get(id);
    if (repeated !== undefined) {
      outcomes.push({ position, status: "rejected", key: id, reason: repeatReason(id, repeated) });
      continue;
    }
    firstWith.set(id, position);
    const holder = found.conversations.get(id);
    if (holder === organizationId) {
      outcomes.push({ position, status: "unchanged", key: id, id });
      continue;
    }
    if (holder !== undefined) {
      outcomes.push({
        position,
        status: "taken",
        key: id,
        reason: `conversation ${id} is held by another organization`,
      });
      continue;
    }
    const problem = messageProblem(organizationId, plan, found.messages, messageOwners, position);
    if (problem) {
      outcomes.push({ position, key: id, ...problem });
      continue;
    }
    if (userId && !found.users.has(userId)) {
      outcomes.push({
        position,
        status: "rejected",
        key: id,
        reason: "record.userId is not a user of this workspace [unknown_user]",
      });
      continue;
    }
    writes.push({
      plan,
      outcome: { position, status: "created", key: id, id, rows: 1 + plan.messages.length },
    });
  }
  outcomes.push(
    ...(await writeRecords(db, writes, (plans) =>
      conversationInserts(db, organizationId, plans, null),
    )),
  );
  return outcomes.sort((a, b) => a.position - b.position);
}

export const repeatReason = (id: string, first: number) =>
  `id ${id} appears earlier in the file (#${first}); this record is not imported`;

/**
 * A message id the record cannot have: another organization's (not imported, said so), another
 * conversation's, or one an earlier record of the batch claims (both refused). Message ids of
 * the batch are recorded in `claimed`.
 */
function messageProblem(
  organizationId: string,
  plan: PlannedConversation,
  found: Map<string, { organizationId: string; conversationId: string }>,
  claimed: Map<string, number>,
  position: number,
): { status: "taken" | "rejected"; reason: string } | undefined {
  const own = new Set<string>();
  for (const [i, message] of plan.messages.entries()) {
    if (own.has(message.id)) {
      return {
        status: "rejected",
        reason: `record.messages[${i}]._id ${message.id} is used twice in the record [taken_id]`,
      };
    }
    own.add(message.id);
    const holder = found.get(message.id);
    if (holder && holder.organizationId !== organizationId) {
      return { status: "taken", reason: `message ${message.id} is held by another organization` };
    }
    if (holder) {
      return {
        status: "rejected",
        reason: `record.messages[${i}]._id ${message.id} already belongs to conversation ${holder.conversationId} [taken_id]`,
      };
    }
    const earlier = claimed.get(message.id);
    if (earlier !== undefined && earlier !== position) {
      return {
        status: "rejected",
        reason: `record.messages[${i}]._id ${message.id} appears earlier in the file (#${earlier}) [taken_id]`,
      };
    }
  }
  for (const message of plan.messages) claimed.set(message.id, position);
  return undefined;
}
