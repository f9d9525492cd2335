import { env } from "cloudflare:workers";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { chunkedInsert } from "../../src/platform/db/chunked-insert";
import {
  apiKeys,
  contacts,
  conversations,
  messages,
  organizations,
  trainingSnapshotMessages,
  trainingSnapshots,
  trainingSnapshotTags,
  users,
} from "../../src/platform/db/schema";
import { sha256Hex } from "../../src/platform/util/encoding";
import { newObjectId } from "../../src/platform/util/ids";
import { hashPassword } from "../../src/surfaces/training-api/password";
import { snapshotInserts } from "../../src/surfaces/training-api/snapshots/snapshots.repository";
import { ACME } from "./seed";

/*
 * Test data written straight to D1 with Drizzle, each test making what it needs. Inserts are
 * chunked under D1's 100 bound parameters per statement and sent as one batch.
 */

export const testDb = () => drizzle(env.DB);

const chunkedInserts = <T extends SQLiteTable>(table: T, rows: T["$inferInsert"][]) =>
  chunkedInsert(testDb(), table, rows);

async function runBatch(statements: BatchItem<"sqlite">[]) {
  if (statements.length === 0) return;
  await testDb().batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

let clock = Date.parse("2026-07-01T00:00:00.000Z");
/** Strictly increasing timestamps, so order-dependent assertions never tie by accident. */
export const tick = (stepMs = 1000) => {
  clock += stepMs;
  return clock;
};

let phoneNumber = 0;
/** A phone number no other call in this test file returns: phones are unique per organization. */
export const uniquePhone = () => `+1303555${String(++phoneNumber).padStart(4, "0")}`;

/** The order the lists answer in: newest first, ties by id descending. */
export const newestFirst = (rows: { createdAt: number; id: string }[]) =>
  [...rows]
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((r) => r.id);

/**
 * An organization of its own, for a test whose lists, counts or limits must see only the rows it
 * wrote: nothing the other tests of the file write can show up in it.
 */
export async function insertOrganization(name = "Test Org") {
  const row = { id: newObjectId(tick()), name, createdAt: Date.now() };
  await testDb().insert(organizations).values(row);
  return row;
}

export async function insertUser(overrides: Partial<typeof users.$inferInsert> = {}) {
  const now = tick();
  const row = {
    id: newObjectId(now),
    organizationId: ACME,
    firstName: "Temp",
    lastName: "User",
    email: `user-${crypto.randomUUID()}@example.com`,
    role: "manager" as const,
    passwordHash: "pbkdf2-sha256$1$AAAA$AAAA",
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
  await testDb().insert(users).values(row);
  return row;
}

/** A user who can log in with `password`, hashed as the app stores passwords. */
export async function insertUserWithPassword(
  password: string,
  overrides: Partial<typeof users.$inferInsert> = {},
) {
  return insertUser({ passwordHash: await hashPassword(password), ...overrides });
}

export async function insertContact(overrides: Partial<typeof contacts.$inferInsert> = {}) {
  const now = tick();
  const row = {
    id: newObjectId(now),
    organizationId: ACME,
    firstName: "Casey",
    lastName: "Jones",
    // Phone and email are unique per organization: each contact gets its own.
    phoneNumber: `+1415${String(now).slice(-7)}`,
    email: `casey-${now}@example.com`,
    channelType: "sms" as const,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
  await testDb().insert(contacts).values(row);
  return row;
}

export async function insertConversation(
  options: {
    organizationId?: string;
    contactId?: string;
    userId?: string | null;
    messageCount?: number;
    pathwayId?: string | null;
    agentId?: string | null;
  } = {},
) {
  const organizationId = options.organizationId ?? ACME;
  const contactId = options.contactId ?? (await insertContact({ organizationId })).id;
  const start = tick();
  const count = options.messageCount ?? 2;
  const conversation = {
    id: newObjectId(start),
    organizationId,
    contactId,
    userId: options.userId === undefined ? null : options.userId,
    pathwayId: options.pathwayId === undefined ? "pw12345" : options.pathwayId,
    agentId: options.agentId === undefined ? "ag67890" : options.agentId,
    createdAt: start,
    updatedAt: start + count * 1000,
  };
  // Inserted newest first, so a correct answer has to sort them.
  const rows = Array.from({ length: count }, (_, i) => {
    const inbound = i % 2 === 1;
    return {
      id: newObjectId(start),
      organizationId,
      conversationId: conversation.id,
      direction: inbound ? ("inbound" as const) : ("outbound" as const),
      senderType: inbound ? ("human" as const) : ("AI" as const),
      sent: true,
      message: `message ${i}`,
      status: inbound ? ("received" as const) : ("delivered" as const),
      createdAt: start + i * 1000,
      updatedAt: start + i * 1000,
    };
  }).reverse();
  await runBatch([
    testDb().insert(conversations).values(conversation),
    ...chunkedInserts(messages, rows),
  ]);
  return { conversation, messages: rows.slice().reverse() };
}

export async function insertSnapshot(
  options: {
    organizationId?: string;
    userId?: string | null;
    contactId?: string | null;
    messageCount?: number;
    fields?: Partial<typeof trainingSnapshots.$inferInsert>;
  } = {},
) {
  const organizationId = options.organizationId ?? ACME;
  const now = tick();
  const count = options.messageCount ?? 3;
  const tags = options.fields?.tags ?? ["test"];
  const snapshot = {
    id: newObjectId(now),
    organizationId,
    userId: options.userId ?? null,
    contactId: options.contactId ?? null,
    conversationId: null,
    customerName: "Casey Jones",
    customerPhone: "+14155550000",
    customerEmail: "casey@example.com",
    messageCount: count,
    snapshotDate: now,
    conversationStartDate: count > 0 ? now - count * 1000 : null,
    conversationEndDate: count > 0 ? now - 1000 : null,
    notes: "notes",
    quality: "neutral" as const,
    category: "support",
    isArchived: false,
    createdAt: now,
    updatedAt: now,
    ...options.fields,
    tags,
  };
  const copies = Array.from({ length: count }, (_, position) => ({
    snapshotId: snapshot.id,
    position,
    organizationId,
    messageId: newObjectId(now),
    content: `copy ${position}`,
    sender: position % 2 === 0 ? ("user" as const) : ("contact" as const),
    senderType: position % 2 === 0 ? ("AI" as const) : ("human" as const),
    timestamp: now - (count - position) * 1000,
  })).reverse();
  await runBatch([
    testDb().insert(trainingSnapshots).values(snapshot),
    ...chunkedInserts(trainingSnapshotMessages, copies),
    ...chunkedInserts(
      trainingSnapshotTags,
      tags.map((tag) => ({
        snapshotId: snapshot.id,
        tag,
        organizationId,
        isArchived: snapshot.isArchived,
        createdAt: snapshot.createdAt,
      })),
    ),
  ]);
  return { snapshot, messages: copies.slice().reverse() };
}

/**
 * Many conversations at once, for lists: rows made by `make(i, createdAt)`, each with
 * `messagesPer` messages (outbound, inbound, …), written in one chunked batch.
 */
export async function insertManyConversations(
  count: number,
  make: (i: number, createdAt: number) => Partial<typeof conversations.$inferInsert> = () => ({}),
  messagesPer = 2,
) {
  const contact = await insertContact();
  const base = tick(count * 10);
  const rows = Array.from({ length: count }, (_, i) => {
    const defaultCreatedAt = base - (count - i) * 10;
    const fields = make(i, defaultCreatedAt);
    const createdAt = fields.createdAt ?? defaultCreatedAt;
    return {
      id: newObjectId(createdAt),
      organizationId: ACME,
      contactId: contact.id,
      userId: null,
      pathwayId: "pw12345",
      agentId: "ag67890",
      updatedAt: createdAt + 5,
      ...fields,
      createdAt,
    };
  });
  const rowMessages = rows.flatMap((conversation) =>
    Array.from({ length: messagesPer }, (_, j) => ({
      id: newObjectId(conversation.createdAt),
      organizationId: conversation.organizationId,
      conversationId: conversation.id,
      direction: j % 2 === 0 ? ("outbound" as const) : ("inbound" as const),
      senderType: j % 2 === 0 ? ("AI" as const) : ("human" as const),
      sent: true,
      message: `${conversation.id} #${j}`,
      status: j % 2 === 0 ? ("delivered" as const) : ("received" as const),
      createdAt: conversation.createdAt + j,
      updatedAt: conversation.createdAt + j,
    })),
  );
  await runBatch([
    ...chunkedInserts(conversations, rows),
    ...chunkedInserts(messages, rowMessages),
  ]);
  return rows;
}

/**
 * Many snapshots at once, for lists and exports: rows made by `make(i)` (overrides of the
 * defaults), each with `messagesPer` copies, written in one chunked batch.
 */
export async function insertManySnapshots(
  count: number,
  make: (
    i: number,
    createdAt: number,
  ) => Partial<typeof trainingSnapshots.$inferInsert> = () => ({}),
  messagesPer = 2,
) {
  const base = tick(count * 10);
  const snapshots = Array.from({ length: count }, (_, i) => {
    const defaultCreatedAt = base - (count - i) * 10;
    const fields = make(i, defaultCreatedAt);
    const createdAt = fields.createdAt ?? defaultCreatedAt;
    return {
      id: newObjectId(createdAt),
      organizationId: ACME,
      userId: null,
      contactId: null,
      conversationId: null,
      customerName: `Customer ${i}`,
      customerPhone: null,
      customerEmail: null,
      messageCount: messagesPer,
      snapshotDate: createdAt,
      conversationStartDate: createdAt - 1000,
      conversationEndDate: createdAt - 500,
      notes: `note ${i}`,
      quality: "neutral" as const,
      category: "support",
      isArchived: false,
      updatedAt: createdAt,
      tags: [] as string[],
      ...fields,
      createdAt,
    };
  });
  // Written by the API's own statements: rows, copies and the tag index.
  await runBatch(
    snapshotInserts(
      testDb(),
      snapshots.map((snapshot) => ({
        snapshot,
        copies: Array.from({ length: messagesPer }, (_, position) => ({
          snapshotId: snapshot.id,
          position,
          organizationId: snapshot.organizationId,
          messageId: newObjectId(snapshot.createdAt),
          content: `${snapshot.id} says ${position}`,
          sender: position % 2 === 0 ? ("contact" as const) : ("user" as const),
          senderType: position % 2 === 0 ? ("human" as const) : ("AI" as const),
          timestamp: snapshot.createdAt - 1000 + position,
        })),
      })),
    ),
  );
  return snapshots;
}

export async function insertApiKey(
  options: { organizationId?: string; revoked?: boolean; key?: string } = {},
) {
  const key = options.key ?? `test_${crypto.randomUUID().replaceAll("-", "")}`;
  const now = tick();
  const row = {
    id: newObjectId(now),
    organizationId: options.organizationId ?? ACME,
    name: "test key",
    prefix: key.slice(0, 12),
    keyHash: await sha256Hex(key),
    createdByUserId: null,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: options.revoked ? now : null,
  };
  await testDb().insert(apiKeys).values(row);
  return { key, row };
}
