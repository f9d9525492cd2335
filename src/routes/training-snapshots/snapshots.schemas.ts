import { z } from "@hono/zod-openapi";
import { contactColumns, snapshotColumns, snapshotMessageColumns, userColumns } from "../../db/zod";
import { IsoDateSchema, ObjectIdSchema } from "../../lib/schemas";

export const SnapshotParamsSchema = z.object({
  id: ObjectIdSchema.openapi({ param: { name: "id", in: "path" } }),
});

export const PopulatedUserSchema = z
  .object({
    _id: ObjectIdSchema.openapi({ example: "65b1f0a2c3d4e5f6a7b8c9d0" }),
    firstName: userColumns.firstName.openapi({ example: "Alice" }),
    lastName: userColumns.lastName.openapi({ example: "Rivera" }),
    email: userColumns.email.openapi({ example: "alice@example.com" }),
  })
  .openapi("PopulatedUser", {
    description: "The snapshot's creator; null once that user is deleted.",
  });

export const PopulatedContactSchema = z
  .object({
    _id: ObjectIdSchema.openapi({ example: "65c2d0e0f0a0b0c0d0e0f0a0" }),
    firstName: contactColumns.firstName.openapi({ example: "Jane" }),
    lastName: contactColumns.lastName.openapi({ example: "Doe" }),
    phoneNumber: contactColumns.phoneNumber.openapi({ example: "+14155550123" }),
    email: contactColumns.email.openapi({ example: "jane@example.com" }),
    channelType: contactColumns.channelType.openapi({ example: "sms" }),
  })
  .openapi("PopulatedContact", { description: "The customer; null once that contact is deleted." });

export const SnapshotMessageSchema = z
  .object({
    id: snapshotMessageColumns.messageId.openapi({ example: "67e0a0b0c0d0e0f0a0b0c0d0" }),
    content: snapshotMessageColumns.content.openapi({ example: "Hi! How can we help?" }),
    sender: snapshotMessageColumns.sender.openapi({
      description: "`user`: sent by the organization's side; `contact`: sent by the customer.",
    }),
    senderType: snapshotMessageColumns.senderType.openapi({
      description: "Who wrote it: `AI`, `human` or `system` (always `human` for the contact).",
    }),
    timestamp: IsoDateSchema,
  })
  .openapi("SnapshotMessage");

export const SnapshotSchema = z
  .object({
    _id: ObjectIdSchema,
    organizationId: ObjectIdSchema.openapi({ example: "65a0e0e0e0e0e0e0e0e0e0e0" }),
    userId: PopulatedUserSchema.nullable(),
    contactId: PopulatedContactSchema.nullable(),
    customerName: snapshotColumns.customerName.openapi({ example: "Jane Doe" }),
    customerPhone: snapshotColumns.customerPhone.openapi({ example: "+14155550123" }),
    customerEmail: snapshotColumns.customerEmail.openapi({ example: "jane@example.com" }),
    messages: z.array(SnapshotMessageSchema).openapi({
      description: "Immutable copy of the captured messages, oldest first.",
    }),
    messageCount: z.number().int().min(0).openapi({ example: 4, description: "= messages.length" }),
    snapshotDate: IsoDateSchema,
    conversationStartDate: IsoDateSchema.nullable(),
    conversationEndDate: IsoDateSchema.nullable(),
    notes: snapshotColumns.notes.openapi({ example: "Great handling of objection on pricing." }),
    tags: z.array(z.string()).openapi({ example: ["sales", "pricing"] }),
    quality: snapshotColumns.quality.openapi({ example: "good" }),
    category: snapshotColumns.category.openapi({ example: "objection-handling" }),
    isArchived: snapshotColumns.isArchived,
    createdAt: IsoDateSchema,
    updatedAt: IsoDateSchema,
  })
  .openapi("TrainingSnapshot", {
    description:
      "A curated, immutable copy of a conversation. `userId` and `contactId` are populated.",
  });

export const SnapshotEnvelopeSchema = z
  .object({ success: z.literal(true), data: SnapshotSchema })
  .openapi("TrainingSnapshotResponse");

export type Snapshot = z.infer<typeof SnapshotSchema>;
