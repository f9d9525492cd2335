import { describe, expect, it } from "vitest";
import { fullName } from "../../src/platform/util/text";
import { shapeConversation } from "../../src/surfaces/conversations/conversations/conversations.shape";
import { shapeSnapshot } from "../../src/surfaces/training/snapshots/snapshots.shape";
import { snapshotRecord as record, t0 } from "../fixtures/records";

describe("shapeSnapshot", () => {
  it("nests refs under userId/contactId with _id, and renders dates as ISO with ms", () => {
    const shaped = shapeSnapshot(record(), []);
    expect(shaped.userId).toEqual({
      _id: "65b1f0a2c3d4e5f6a7b8c9d0",
      firstName: "Alice",
      lastName: "Rivera",
      email: "alice@example.com",
    });
    expect(shaped.contactId).toEqual({
      _id: "65c2d0e0f0a0b0c0d0e0f0a0",
      firstName: "Jane",
      lastName: null,
      phoneNumber: null,
      email: "jane@example.com",
      channelType: "sms",
    });
    expect(shaped.conversationStartDate).toBe("2026-05-18T13:30:00.000Z");
    expect(shaped.updatedAt).toBe("2026-05-18T15:30:00.000Z");
    expect(shaped).not.toHaveProperty("version");
    expect(shaped).not.toHaveProperty("conversationId");
  });

  it("counts the messages it returns, not the stored count", () => {
    const messages = [0, 1, 2].map((i) => ({
      snapshotId: "67f1a0b0c0d0e0f0a0b0c0d0",
      messageId: `m${i}`,
      content: `c${i}`,
      sender: "user" as const,
      senderType: "AI" as const,
      timestamp: t0 + i,
    }));
    const shaped = shapeSnapshot(record({ messageCount: 99 }), messages);
    expect(shaped.messageCount).toBe(3);
    expect(shaped.messages.map((m) => m.id)).toEqual(["m0", "m1", "m2"]);
    expect(shaped.messages[1]).toEqual({
      id: "m1",
      content: "c1",
      sender: "user",
      senderType: "AI",
      timestamp: "2026-05-18T13:30:00.001Z",
    });
  });

  it("turns empty optional text and absent refs into null", () => {
    const input = record({
      notes: "",
      category: "   ",
      customerEmail: null,
      conversationEndDate: null,
    });
    const shaped = shapeSnapshot({ ...input, user: null, contact: null }, []);
    expect(shaped.notes).toBeNull();
    expect(shaped.category).toBeNull();
    expect(shaped.customerEmail).toBeNull();
    expect(shaped.conversationEndDate).toBeNull();
    expect(shaped.userId).toBeNull();
    expect(shaped.contactId).toBeNull();
  });
});

describe("fullName", () => {
  it.each([
    ["Test", "Customer Name", "Test Customer Name"],
    ["Casey", null, "Casey"],
    ["Casey", "  ", "Casey"],
    ["  ", null, null],
  ])("%j + %j → %j", (first, last, expected) => {
    expect(fullName(first, last)).toBe(expected);
  });
});

describe("shapeConversation", () => {
  it("builds the customer object and keeps message order and fields", () => {
    const shaped = shapeConversation(
      {
        id: "c1",
        userId: null,
        pathwayId: "pw",
        agentId: null,
        createdAt: t0,
        updatedAt: t0 + 1,
        customer: { firstName: "Test", lastName: "Customer Name", email: "", phoneNumber: "+1" },
      },
      [
        {
          id: "m1",
          direction: "outbound",
          sent: false,
          message: "draft",
          status: "pending",
          createdAt: t0,
          updatedAt: t0,
        },
      ],
    );
    expect(shaped.customer).toEqual({ name: "Test Customer Name", email: null, phone: "+1" });
    expect(shaped.userId).toBeNull();
    expect(shaped.messages).toEqual([
      {
        direction: "outbound",
        sent: false,
        message: "draft",
        status: "pending",
        _id: "m1",
        createdAt: "2026-05-18T13:30:00.000Z",
        updatedAt: "2026-05-18T13:30:00.000Z",
      },
    ]);
    expect(Object.keys(shaped.messages[0] ?? {})).toEqual([
      "direction",
      "sent",
      "message",
      "status",
      "_id",
      "createdAt",
      "updatedAt",
    ]);
  });
});
