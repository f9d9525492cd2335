import { bench, describe } from "vitest";
import type { ConversationMessageRecord } from "../src/routes/conversations/conversations.repository";
import { shapeConversation } from "../src/routes/conversations/conversations.shape";
import type {
  SnapshotMessageRecord,
  SnapshotRecord,
} from "../src/routes/training-snapshots/snapshots.repository";
import { shapeSnapshot } from "../src/routes/training-snapshots/snapshots.shape";

/*
 * CPU cost of the pure shaping functions (rows → documented JSON, then JSON.stringify as the
 * response does), for 10, 100 and 1,000 messages. The Workers free plan allows 10 ms of CPU
 * per request; the target for 1,000 messages is under 2 ms.
 */

const t0 = Date.UTC(2026, 4, 18, 13, 30);
const record: SnapshotRecord = {
  snapshot: {
    id: "67f1a0b0c0d0e0f0a0b0c0d0",
    organizationId: "65a0e0e0e0e0e0e0e0e0e0e0",
    userId: "65b1f0a2c3d4e5f6a7b8c9d0",
    contactId: "65c2d0e0f0a0b0c0d0e0f0a0",
    conversationId: null,
    customerName: "Jane Doe",
    customerPhone: "+14155550123",
    customerEmail: "jane@example.com",
    messageCount: 0,
    snapshotDate: t0,
    conversationStartDate: t0,
    conversationEndDate: t0,
    notes: "Great handling of objection on pricing.",
    tags: ["sales", "pricing"],
    quality: "good",
    category: "objection-handling",
    isArchived: false,
    version: 1,
    createdAt: t0,
    updatedAt: t0,
  },
  user: {
    id: "65b1f0a2c3d4e5f6a7b8c9d0",
    firstName: "Alice",
    lastName: "Rivera",
    email: "alice@example.com",
  },
  contact: {
    id: "65c2d0e0f0a0b0c0d0e0f0a0",
    firstName: "Jane",
    lastName: "Doe",
    phoneNumber: "+14155550123",
    email: "jane@example.com",
    channelType: "sms",
  },
};

const snapshotMessages = (n: number): SnapshotMessageRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    snapshotId: record.snapshot.id,
    messageId: `67e0a0b0c0d0e0f0a0b${String(i).padStart(5, "0")}`,
    content: `Message ${i}: I understand. Annual billing takes 20% off, which brings Pro to $40 per seat.`,
    sender: i % 2 ? "contact" : "user",
    senderType: i % 2 ? "human" : "AI",
    timestamp: t0 + i * 1000,
  }));

const conversationMessages = (n: number): ConversationMessageRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `675c8e368824aa5f1${String(i).padStart(7, "0")}`,
    direction: i % 2 ? "inbound" : "outbound",
    sent: true,
    message: `Message ${i}: thank you for your feedback, we will look into it right away.`,
    status: i % 2 ? "received" : "approved",
    createdAt: t0 + i * 1000,
    updatedAt: t0 + i * 1000,
  }));

for (const n of [10, 100, 1000]) {
  describe(`${n} messages`, () => {
    const snapshot = snapshotMessages(n);
    const conversation = conversationMessages(n);
    bench(`shapeSnapshot + JSON.stringify, ${n} messages`, () => {
      JSON.stringify(shapeSnapshot(record, snapshot));
    });
    bench(`shapeConversation + JSON.stringify, ${n} messages`, () => {
      JSON.stringify(
        shapeConversation(
          {
            id: "112ec528bf7946a12ab0fs21",
            userId: "60d9e3c2f42e4d03800e01a5",
            pathwayId: "pw12345",
            agentId: "ag67890",
            createdAt: t0,
            updatedAt: t0,
            customer: {
              firstName: "Test",
              lastName: "Customer Name",
              email: "c@example.com",
              phoneNumber: "+1",
            },
          },
          conversation,
        ),
      );
    });
  });
}
