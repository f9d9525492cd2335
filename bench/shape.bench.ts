import { bench, describe } from "vitest";
import type { ConversationMessageRecord } from "../src/surfaces/conversations/conversations/conversations.repository";
import { shapeConversation } from "../src/surfaces/conversations/conversations/conversations.shape";
import type { SnapshotMessageRecord } from "../src/surfaces/training/snapshots/repository/records";
import { shapeSnapshot } from "../src/surfaces/training/snapshots/snapshots.shape";
import { snapshotRecord, t0 } from "../test/fixtures/records";

/*
 * CPU cost of the pure shaping functions (rows → documented JSON, then JSON.stringify as the
 * response does), for 10, 100 and 1,000 messages. The Workers free plan allows 10 ms of CPU
 * per request; the target for 1,000 messages is under 2 ms.
 */

const record = snapshotRecord();

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
