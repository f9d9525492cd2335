import { describe, expect, it } from "vitest";
import type { CaptureSources } from "../../src/surfaces/training-api/snapshots/snapshots.capture";
import { capturedSnapshot } from "../../src/surfaces/training-api/snapshots/snapshots.capture";

const contact = {
  id: "65c2d0e0f0a0b0c0d0e0f0a0",
  firstName: "Jane",
  lastName: "Doe",
  phoneNumber: "+14155550123",
  email: "jane@example.com",
  channelType: "sms" as const,
};
const creator = { id: "65b1f0a2c3d4e5f6a7b8c9d0", firstName: "A", lastName: "R", email: "a@x.io" };
const message = (id: string, at: number, direction: "inbound" | "outbound" = "outbound") => ({
  id,
  direction,
  senderType: direction === "inbound" ? ("human" as const) : ("AI" as const),
  message: `text ${id}`,
  createdAt: at,
});
const sources = (overrides: Partial<CaptureSources> = {}): CaptureSources => ({
  creator,
  contact,
  conversation: null,
  messages: [message("m1", 1000), message("m2", 2000, "inbound")],
  ...overrides,
});
const target = {
  id: "6b0000000000000000000001",
  organizationId: "65a0e0e0e0e0e0e0e0e0e0e0",
  now: 5000,
};

describe("capturedSnapshot", () => {
  it("copies the messages in order with the customer, the dates and the defaults", () => {
    const { snapshot, copies } = capturedSnapshot(
      { contactId: contact.id, notes: "  ", tags: ["a"] },
      sources(),
      target,
    );
    expect(copies.map((c) => [c.position, c.messageId, c.sender, c.senderType])).toEqual([
      [0, "m1", "user", "AI"],
      [1, "m2", "contact", "human"],
    ]);
    expect(snapshot).toMatchObject({
      id: target.id,
      userId: creator.id,
      contactId: contact.id,
      customerName: "Jane Doe",
      messageCount: 2,
      conversationStartDate: 1000,
      conversationEndDate: 2000,
      snapshotDate: 5000,
      notes: null,
      tags: ["a"],
      quality: null,
      version: 1,
      isArchived: false,
    });
  });

  it("names each unknown message id by its position", () => {
    expect(() =>
      capturedSnapshot(
        { contactId: contact.id, messageIds: ["m1", "nope", "m2", "gone"] },
        sources(),
        target,
      ),
    ).toThrow(
      expect.objectContaining({
        code: "validation_failed",
        details: [
          expect.objectContaining({ field: "body.messageIds[1]", rule: "unknown_message" }),
          expect.objectContaining({ field: "body.messageIds[3]", rule: "unknown_message" }),
        ],
      }),
    );
  });

  it.each([
    ["a deleted creator", { creator: null }, "invalid_token"],
    ["a missing contact", { contact: null }, "not_found"],
    [
      "another contact's conversation",
      { conversation: { id: "c", contactId: "other" } },
      "not_found",
    ],
    [
      "more than 1,000 messages",
      {
        conversation: { id: "c", contactId: contact.id },
        messages: Array.from({ length: 1001 }, (_, i) => message(`m${i}`, i)),
      },
      "validation_failed",
    ],
  ] as [string, Partial<CaptureSources>, string][])("refuses %s", (_, overrides, code) => {
    expect(() =>
      capturedSnapshot({ contactId: contact.id, conversationId: "c" }, sources(overrides), target),
    ).toThrow(expect.objectContaining({ code }));
  });
});
