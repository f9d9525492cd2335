import type { Snapshot } from "./snapshots.schemas";

/**
 * The seed snapshot (docs/demo-data.md) exactly as GET returns it: the vendor's documented example,
 * with its four messages. test/routes/openapi.test.ts compares it with the live answer, so the
 * documentation cannot drift from the API.
 */
export const snapshotExample: Snapshot = {
  _id: "67f1a0b0c0d0e0f0a0b0c0d0",
  organizationId: "65a0e0e0e0e0e0e0e0e0e0e0",
  userId: {
    _id: "65b1f0a2c3d4e5f6a7b8c9d0",
    firstName: "Alice",
    lastName: "Rivera",
    email: "alice@example.com",
  },
  contactId: {
    _id: "65c2d0e0f0a0b0c0d0e0f0a0",
    firstName: "Jane",
    lastName: "Doe",
    phoneNumber: "+14155550123",
    email: "jane@example.com",
    channelType: "sms",
  },
  customerName: "Jane Doe",
  customerPhone: "+14155550123",
  customerEmail: "jane@example.com",
  messages: [
    {
      id: "67e0a0b0c0d0e0f0a0b0c0d0",
      content: "Hi! How can we help?",
      sender: "user",
      senderType: "AI",
      timestamp: "2026-05-18T13:30:00.000Z",
    },
    {
      id: "67e0a0b0c0d0e0f0a0b0c0d1",
      content: "I like the Pro plan, but the price seems high for a team of five.",
      sender: "contact",
      senderType: "human",
      timestamp: "2026-05-18T13:42:00.000Z",
    },
    {
      id: "67e0a0b0c0d0e0f0a0b0c0d2",
      content:
        "I understand. Annual billing takes 20% off, which brings Pro to $40 per seat per month.",
      sender: "user",
      senderType: "AI",
      timestamp: "2026-05-18T13:55:00.000Z",
    },
    {
      id: "67e0a0b0c0d0e0f0a0b0c0d3",
      content: "That works for us. Let's do annual.",
      sender: "contact",
      senderType: "human",
      timestamp: "2026-05-18T14:10:00.000Z",
    },
  ],
  messageCount: 4,
  snapshotDate: "2026-05-18T14:30:00.000Z",
  conversationStartDate: "2026-05-18T13:30:00.000Z",
  conversationEndDate: "2026-05-18T14:10:00.000Z",
  notes: "Great handling of objection on pricing.",
  tags: ["sales", "pricing"],
  quality: "good",
  category: "objection-handling",
  isArchived: false,
  createdAt: "2026-05-18T14:30:00.000Z",
  updatedAt: "2026-05-18T14:30:00.000Z",
};
