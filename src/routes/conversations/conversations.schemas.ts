import { z } from "@hono/zod-openapi";
import { contactColumns, conversationColumns, messageColumns } from "../../db/zod";
import { IsoDateSchema, VendorIdSchema } from "../../lib/schemas";

export const ConversationParamsSchema = z.object({
  conversationId: VendorIdSchema.openapi({ param: { name: "conversationId", in: "path" } }),
});

export const CustomerSchema = z
  .object({
    name: z.string().nullable().openapi({ example: "Test Customer Name" }),
    email: contactColumns.email.openapi({ example: "customer@example.com" }),
    phone: contactColumns.phoneNumber.openapi({ example: "+123456789" }),
  })
  .openapi("Customer");

export const ConversationMessageSchema = z
  .object({
    direction: messageColumns.direction.openapi({ example: "outbound" }),
    sent: messageColumns.sent.openapi({ example: true }),
    message: messageColumns.message.openapi({ example: "Thank you for your feedback!" }),
    status: messageColumns.status.openapi({
      example: "approved",
      description: "Inbound messages are `received`; an AI draft awaiting review is `pending`.",
    }),
    _id: VendorIdSchema.openapi({ example: "675c8e368824aa5f130b94d3" }),
    createdAt: IsoDateSchema,
    updatedAt: IsoDateSchema,
  })
  .openapi("ConversationMessage");

export const ConversationSchema = z
  .object({
    _id: VendorIdSchema,
    userId: conversationColumns.userId.openapi({ example: "60d9e3c2f42e4d03800e01a5" }),
    pathwayId: conversationColumns.pathwayId.openapi({ example: "pw12345" }),
    agentId: conversationColumns.agentId.openapi({ example: "ag67890" }),
    customer: CustomerSchema,
    messages: z.array(ConversationMessageSchema).openapi({ description: "Oldest first." }),
    createdAt: IsoDateSchema,
    updatedAt: IsoDateSchema,
  })
  .openapi("Conversation");

export type Conversation = z.infer<typeof ConversationSchema>;
