/*
 * The local demo data (docs/demo-data.md): the vendors' own examples, so `curl` against the dev server
 * returns the documented JSON, plus enough around them to try lists, flows, message actions,
 * snapshot creation and tenant isolation by hand.
 *
 * Everything is deterministic (ids, dates, password salts): running it twice leaves the same rows,
 * and the generated SQL is the same on every run of a day. The one thing that moves is the week of
 * reviewed AI drafts (demo-reviews.ts), dated the week before the day the seed runs so the review
 * stats' default window (the last 30 days) always holds it.
 */
import { createHash } from "node:crypto";
import type {
  apiKeys,
  contacts,
  conversations,
  draftRevisions,
  drafts,
  messages,
  organizations,
  trainingSnapshotMessages,
  trainingSnapshots,
  trainingSnapshotTags,
  users,
} from "../../src/platform/db/schema";
import { hashPassword } from "../../src/surfaces/training-api/password";
import { demoReviews } from "./demo-reviews";

type Insert<T extends { $inferInsert: unknown }> = T["$inferInsert"];

/** A message of a seeded conversation, delivered (outbound) or received (inbound) at its time. */
const deliveredMessage =
  (organizationId: string, conversationId: string) =>
  (m: {
    id: string;
    direction: "inbound" | "outbound";
    senderType: "AI" | "human" | "system";
    text: string;
    at: string;
  }) => ({
    id: m.id,
    organizationId,
    conversationId,
    direction: m.direction,
    senderType: m.senderType,
    sent: true,
    message: m.text,
    status: m.direction === "inbound" ? ("received" as const) : ("delivered" as const),
    createdAt: at(m.at),
    updatedAt: at(m.at),
  });

export const DEMO_PASSWORD = "demo-password-123";
export const ACME = "65a0e0e0e0e0e0e0e0e0e0e0";
export const GLOBEX = "66b0e0e0e0e0e0e0e0e0e0e0";
export const ACME_API_KEY = "dev_acme_0123456789abcdef0123456789abcdef";
const ACME_API_KEY_ID = "65a1e0e0e0e0e0e0e0e0e0e0";
const API_KEY_NAME = "Local development";
export const GLOBEX_API_KEY = "dev_globex_0123456789abcdef0123456789abcdef";

const at = (iso: string) => Date.parse(iso);
const sha256 = (text: string) => createHash("sha256").update(text).digest();

/** A fixed salt per user keeps the seed SQL stable between runs. Demo accounts only. */
const demoPasswordHash = (email: string) =>
  hashPassword(DEMO_PASSWORD, new Uint8Array(sha256(`demo-salt:${email}`).subarray(0, 16)));

export const ALICE = "65b1f0a2c3d4e5f6a7b8c9d0";
const AGENT = "60d9e3c2f42e4d03800e01a5";
const ADMIN = "65b1f0a2c3d4e5f6a7b8c9d1";
const BOB = "66b1f0a2c3d4e5f6a7b8c9d0";
export const JANE = "65c2d0e0f0a0b0c0d0e0f0a0";
const TEST_CUSTOMER = "65c2d0e0f0a0b0c0d0e0f0a1";
const HANK = "66c2d0e0f0a0b0c0d0e0f0a0";
export const JANE_CONVERSATION = "67d0a0b0c0d0e0f0a0b0c0d0";
const DOCS_CONVERSATION = "112ec528bf7946a12ab0fs21";
const GLOBEX_CONVERSATION = "66d0a0b0c0d0e0f0a0b0c0d0";
export const SNAPSHOT = "67f1a0b0c0d0e0f0a0b0c0d0";
const GLOBEX_SNAPSHOT = "66f1a0b0c0d0e0f0a0b0c0d0";

export interface DemoData {
  organizations: Insert<typeof organizations>[];
  users: Insert<typeof users>[];
  contacts: Insert<typeof contacts>[];
  apiKeys: Insert<typeof apiKeys>[];
  conversations: Insert<typeof conversations>[];
  messages: Insert<typeof messages>[];
  drafts: Insert<typeof drafts>[];
  draftRevisions: Insert<typeof draftRevisions>[];
  snapshots: Insert<typeof trainingSnapshots>[];
  snapshotMessages: Insert<typeof trainingSnapshotMessages>[];
  snapshotTags: Insert<typeof trainingSnapshotTags>[];
}

/** The four messages of Jane Doe's conversation, which the seed snapshot copied. */
const janeMessages = [
  {
    id: "67e0a0b0c0d0e0f0a0b0c0d0",
    direction: "outbound",
    senderType: "AI",
    text: "Hi! How can we help?",
    at: "2026-05-18T13:30:00.000Z",
  },
  {
    id: "67e0a0b0c0d0e0f0a0b0c0d1",
    direction: "inbound",
    senderType: "human",
    text: "I like the Pro plan, but the price seems high for a team of five.",
    at: "2026-05-18T13:42:00.000Z",
  },
  {
    id: "67e0a0b0c0d0e0f0a0b0c0d2",
    direction: "outbound",
    senderType: "AI",
    text: "I understand. Annual billing takes 20% off, which brings Pro to $40 per seat per month.",
    at: "2026-05-18T13:55:00.000Z",
  },
  {
    id: "67e0a0b0c0d0e0f0a0b0c0d3",
    direction: "inbound",
    senderType: "human",
    text: "That works for us. Let's do annual.",
    at: "2026-05-18T14:10:00.000Z",
  },
] as const;

const globexMessages = [
  {
    id: "66e0a0b0c0d0e0f0a0b0c0d0",
    direction: "inbound",
    senderType: "human",
    text: "Is the hammock district still hiring?",
    at: "2026-06-02T10:00:00.000Z",
  },
  {
    id: "66e0a0b0c0d0e0f0a0b0c0d1",
    direction: "outbound",
    senderType: "human",
    text: "It is! I'll send you the application link.",
    at: "2026-06-02T10:05:00.000Z",
  },
] as const;

/** More Acme conversations over two flows, every third one ending with an AI draft to review. */
const EXTRA_CONVERSATIONS = 26;
const extraContacts = [
  ["Liam", "Nguyen", "+14155550101", "liam@example.com", "sms"],
  ["Olivia", "Martin", "+14155550102", "olivia@example.com", "whatsapp"],
  ["Noah", "Garcia", null, "noah@example.com", "email"],
  ["Emma", "Kowalski", "+14155550104", null, "voice"],
  ["Ava", "Rossi", "+14155550105", "ava@example.com", "webchat"],
  ["Lucas", "Schmidt", "+14155550106", "lucas@example.com", "sms"],
] as const;

const extraContactId = (i: number) => `65c2d0e0f0a0b0c0d0e0f1${i.toString(16).padStart(2, "0")}`;
const extraConversationId = (i: number) =>
  `6720c0d0e0f0a0b0c0d0e0${i.toString(16).padStart(2, "0")}`;
const extraMessageId = (i: number, j: number) =>
  `6720c0d0e0f0a0b0c0d0${i.toString(16).padStart(2, "0")}${j.toString(16).padStart(2, "0")}`;

const customerLines = [
  "Hi, I was charged twice this month.",
  "Can I move my appointment to Friday?",
  "Do you ship to Canada?",
  "My order hasn't arrived yet.",
];
const replyLines = [
  "Sorry about that! I've refunded the duplicate charge; you'll see it in 3-5 days.",
  "Friday at 10am is open. Shall I book it?",
  "We do, shipping to Canada takes about a week.",
  "Let me check: your parcel is out for delivery today.",
];

function extraConversations(): Pick<
  DemoData,
  "contacts" | "conversations" | "messages" | "drafts" | "draftRevisions"
> {
  const contactRows: DemoData["contacts"] = extraContacts.map(
    ([firstName, lastName, phoneNumber, email, channelType], i) => ({
      id: extraContactId(i),
      organizationId: ACME,
      firstName,
      lastName,
      phoneNumber,
      email,
      channelType,
      createdAt: at("2026-09-01T09:00:00.000Z") + i * 60_000,
      updatedAt: at("2026-09-01T09:00:00.000Z") + i * 60_000,
    }),
  );
  const conversationRows: DemoData["conversations"] = [];
  const messageRows: DemoData["messages"] = [];
  const draftRows: DemoData["drafts"] = [];
  const revisionRows: DemoData["draftRevisions"] = [];
  for (let i = 0; i < EXTRA_CONVERSATIONS; i++) {
    const start = at("2026-10-01T08:00:00.000Z") + i * 6 * 3600_000;
    const pending = i % 3 === 0;
    const lines = [
      { direction: "inbound", senderType: "human", text: customerLines[i % 4] },
      { direction: "outbound", senderType: pending ? "AI" : "human", text: replyLines[i % 4] },
    ] as const;
    lines.forEach((line, j) => {
      const outbound = line.direction === "outbound";
      const status = !outbound ? "received" : pending ? "pending" : "delivered";
      const createdAt = start + j * 5 * 60_000;
      messageRows.push({
        id: extraMessageId(i, j),
        organizationId: ACME,
        conversationId: extraConversationId(i),
        direction: line.direction,
        senderType: line.senderType,
        sent: status !== "pending",
        message: line.text ?? "",
        status,
        createdAt,
        updatedAt: createdAt,
      });
      // A pending draft's history so far, as the API writes it (every review field empty), so
      // that the seed also undoes an action taken on it while trying things.
      if (status === "pending") {
        draftRows.push({
          messageId: extraMessageId(i, j),
          organizationId: ACME,
          conversationId: extraConversationId(i),
          agentId: i % 4 < 2 ? "ag67890" : "ag24680",
          pathwayId: i % 2 === 0 ? "pw12345" : "pw67890",
          model: null,
          promptVersion: null,
          draft: line.text ?? "",
          final: null,
          outcome: null,
          reason: null,
          draftedAt: createdAt,
          reviewedAt: null,
          reviewMs: null,
          editDistance: null,
        });
        revisionRows.push({
          messageId: extraMessageId(i, j),
          revision: 0,
          organizationId: ACME,
          action: "Draft",
          message: line.text ?? "",
          actorType: "apiKey",
          actorId: ACME_API_KEY_ID,
          actorName: API_KEY_NAME,
          createdAt,
        });
      }
    });
    conversationRows.push({
      id: extraConversationId(i),
      organizationId: ACME,
      contactId: extraContactId(i % extraContacts.length),
      userId: i % 2 === 0 ? AGENT : ALICE,
      pathwayId: i % 2 === 0 ? "pw12345" : "pw67890",
      agentId: i % 4 < 2 ? "ag67890" : "ag24680",
      createdAt: start,
      updatedAt: start + 5 * 60_000,
    });
  }
  return {
    contacts: contactRows,
    conversations: conversationRows,
    messages: messageRows,
    drafts: draftRows,
    draftRevisions: revisionRows,
  };
}

/**
 * The demo rows. `now` dates the week of reviewed drafts (the week before its UTC day); the
 * rest is fixed.
 */
export async function demoData(options: { now?: number } = {}): Promise<DemoData> {
  const extra = extraConversations();
  const reviews = demoReviews({
    organizationId: ACME,
    contactIds: extraContacts.map((_, i) => extraContactId(i)),
    userIds: [AGENT, ALICE],
    actor: { id: ACME_API_KEY_ID, name: API_KEY_NAME },
    now: options.now ?? Date.now(),
  });
  const seeded = at("2026-01-05T09:00:00.000Z");
  return {
    organizations: [
      { id: ACME, name: "Acme Support", createdAt: seeded },
      { id: GLOBEX, name: "Globex", createdAt: seeded },
    ],
    users: await Promise.all(
      (
        [
          [ALICE, ACME, "Alice", "Rivera", "alice@example.com", "manager"],
          [AGENT, ACME, "Sam", "Patel", "agent@example.com", "agent"],
          [ADMIN, ACME, "Morgan", "Lee", "admin@example.com", "admin"],
          [BOB, GLOBEX, "Bob", "Novak", "bob@example.com", "manager"],
        ] as const
      ).map(async ([id, organizationId, firstName, lastName, email, role]) => ({
        id,
        organizationId,
        firstName,
        lastName,
        email,
        role,
        isActive: true,
        passwordHash: await demoPasswordHash(email),
        createdAt: seeded,
        updatedAt: seeded,
      })),
    ),
    contacts: [
      {
        id: JANE,
        organizationId: ACME,
        firstName: "Jane",
        lastName: "Doe",
        phoneNumber: "+14155550123",
        email: "jane@example.com",
        channelType: "sms",
        createdAt: at("2026-05-18T13:29:00.000Z"),
        updatedAt: at("2026-05-18T13:29:00.000Z"),
      },
      {
        id: TEST_CUSTOMER,
        organizationId: ACME,
        firstName: "Test",
        lastName: "Customer Name",
        phoneNumber: "+123456789",
        email: "customer@example.com",
        channelType: "sms",
        createdAt: at("2024-12-01T08:40:00.000Z"),
        updatedAt: at("2024-12-01T08:40:00.000Z"),
      },
      {
        id: HANK,
        organizationId: GLOBEX,
        firstName: "Hank",
        lastName: "Scorpio",
        phoneNumber: "+14155550199",
        email: "hank@globex.example",
        channelType: "email",
        createdAt: at("2026-06-02T09:59:00.000Z"),
        updatedAt: at("2026-06-02T09:59:00.000Z"),
      },
      ...extra.contacts,
    ],
    apiKeys: (
      [
        [ACME_API_KEY_ID, ACME, ACME_API_KEY, ADMIN],
        ["66a1e0e0e0e0e0e0e0e0e0e0", GLOBEX, GLOBEX_API_KEY, BOB],
      ] as const
    ).map(([id, organizationId, key, createdByUserId]) => ({
      id,
      organizationId,
      name: API_KEY_NAME,
      prefix: key.slice(0, 12),
      keyHash: sha256(key).toString("hex"),
      createdByUserId,
      createdAt: seeded,
      lastUsedAt: null,
      revokedAt: null,
    })),
    conversations: [
      {
        id: DOCS_CONVERSATION,
        organizationId: ACME,
        contactId: TEST_CUSTOMER,
        userId: AGENT,
        pathwayId: "pw12345",
        agentId: "ag67890",
        createdAt: at("2024-12-01T08:45:00.000Z"),
        updatedAt: at("2024-12-03T12:30:00.000Z"),
      },
      {
        id: JANE_CONVERSATION,
        organizationId: ACME,
        contactId: JANE,
        userId: ALICE,
        pathwayId: "pw12345",
        agentId: "ag67890",
        createdAt: at("2026-05-18T13:30:00.000Z"),
        updatedAt: at("2026-05-18T14:10:00.000Z"),
      },
      {
        id: GLOBEX_CONVERSATION,
        organizationId: GLOBEX,
        contactId: HANK,
        userId: BOB,
        pathwayId: "pw99999",
        agentId: "ag99999",
        createdAt: at("2026-06-02T10:00:00.000Z"),
        updatedAt: at("2026-06-02T10:05:00.000Z"),
      },
      ...extra.conversations,
      ...reviews.conversations,
    ],
    messages: [
      {
        id: "675c8e368824aa5f130b94d3",
        organizationId: ACME,
        conversationId: DOCS_CONVERSATION,
        direction: "outbound",
        senderType: "AI",
        sent: true,
        message: "Thank you for your feedback!",
        status: "approved",
        createdAt: at("2024-12-01T08:45:00.000Z"),
        updatedAt: at("2024-12-01T09:00:00.000Z"),
      },
      {
        // The vendor's docs reuse the first message's id here; ids are unique, so this one differs.
        id: "675c8e368824aa5f130b94d4",
        organizationId: ACME,
        conversationId: DOCS_CONVERSATION,
        direction: "inbound",
        senderType: "human",
        sent: true,
        message: "No worries!",
        status: "received",
        createdAt: at("2024-12-01T08:55:00.000Z"),
        updatedAt: at("2024-12-01T09:00:00.000Z"),
      },
      ...janeMessages.map(deliveredMessage(ACME, JANE_CONVERSATION)),
      ...globexMessages.map(deliveredMessage(GLOBEX, GLOBEX_CONVERSATION)),
      ...extra.messages,
      ...reviews.messages,
    ],
    drafts: [...extra.drafts, ...reviews.drafts],
    draftRevisions: [...extra.draftRevisions, ...reviews.draftRevisions],
    snapshots: [
      {
        id: SNAPSHOT,
        organizationId: ACME,
        userId: ALICE,
        contactId: JANE,
        conversationId: JANE_CONVERSATION,
        customerName: "Jane Doe",
        customerPhone: "+14155550123",
        customerEmail: "jane@example.com",
        messageCount: janeMessages.length,
        snapshotDate: at("2026-05-18T14:30:00.000Z"),
        conversationStartDate: at("2026-05-18T13:30:00.000Z"),
        conversationEndDate: at("2026-05-18T14:10:00.000Z"),
        notes: "Great handling of objection on pricing.",
        tags: ["sales", "pricing"],
        quality: "good",
        category: "objection-handling",
        isArchived: false,
        version: 1,
        createdAt: at("2026-05-18T14:30:00.000Z"),
        updatedAt: at("2026-05-18T14:30:00.000Z"),
      },
      {
        id: GLOBEX_SNAPSHOT,
        organizationId: GLOBEX,
        userId: BOB,
        contactId: HANK,
        conversationId: GLOBEX_CONVERSATION,
        customerName: "Hank Scorpio",
        customerPhone: "+14155550199",
        customerEmail: "hank@globex.example",
        messageCount: globexMessages.length,
        snapshotDate: at("2026-06-02T11:00:00.000Z"),
        conversationStartDate: at("2026-06-02T10:00:00.000Z"),
        conversationEndDate: at("2026-06-02T10:05:00.000Z"),
        notes: "Recruiting enquiry, friendly tone.",
        tags: ["recruiting"],
        quality: "neutral",
        category: "recruiting",
        isArchived: false,
        version: 1,
        createdAt: at("2026-06-02T11:00:00.000Z"),
        updatedAt: at("2026-06-02T11:00:00.000Z"),
      },
    ],
    snapshotMessages: [
      ...janeMessages.map((m, position) => ({
        snapshotId: SNAPSHOT,
        position,
        organizationId: ACME,
        messageId: m.id,
        content: m.text,
        sender: m.direction === "outbound" ? ("user" as const) : ("contact" as const),
        senderType: m.senderType,
        timestamp: at(m.at),
      })),
      ...globexMessages.map((m, position) => ({
        snapshotId: GLOBEX_SNAPSHOT,
        position,
        organizationId: GLOBEX,
        messageId: m.id,
        content: m.text,
        sender: m.direction === "outbound" ? ("user" as const) : ("contact" as const),
        senderType: m.senderType,
        timestamp: at(m.at),
      })),
    ],
    snapshotTags: [
      ...["sales", "pricing"].map((tag) => ({
        snapshotId: SNAPSHOT,
        tag,
        organizationId: ACME,
        isArchived: false,
        createdAt: at("2026-05-18T14:30:00.000Z"),
      })),
      {
        snapshotId: GLOBEX_SNAPSHOT,
        tag: "recruiting",
        organizationId: GLOBEX,
        isArchived: false,
        createdAt: at("2026-06-02T11:00:00.000Z"),
      },
    ],
  };
}
