import type { Conversation } from "./conversations.schemas";

/**
 * The seed conversation (docs/demo-data.md) exactly as GET returns it: the vendor's documented example,
 * dates with milliseconds and the second message with its own id. Compared with the live answer
 * in test/routes/openapi.test.ts.
 */
export const conversationExample: Conversation = {
  _id: "112ec528bf7946a12ab0fs21",
  userId: "60d9e3c2f42e4d03800e01a5",
  pathwayId: "pw12345",
  agentId: "ag67890",
  customer: { name: "Test Customer Name", email: "customer@example.com", phone: "+123456789" },
  messages: [
    {
      direction: "outbound",
      sent: true,
      message: "Thank you for your feedback!",
      status: "approved",
      _id: "675c8e368824aa5f130b94d3",
      createdAt: "2024-12-01T08:45:00.000Z",
      updatedAt: "2024-12-01T09:00:00.000Z",
    },
    {
      direction: "inbound",
      sent: true,
      message: "No worries!",
      status: "received",
      _id: "675c8e368824aa5f130b94d4",
      createdAt: "2024-12-01T08:55:00.000Z",
      updatedAt: "2024-12-01T09:00:00.000Z",
    },
  ],
  createdAt: "2024-12-01T08:45:00.000Z",
  updatedAt: "2024-12-03T12:30:00.000Z",
};
