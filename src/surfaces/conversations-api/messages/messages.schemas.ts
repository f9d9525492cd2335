import { z } from "@hono/zod-openapi";
import { MESSAGE_STATUSES, SENDER_TYPES } from "../../../platform/db/schema";
import { messageColumns } from "../../../platform/db/zod";
import {
  DateInputSchema,
  freeText,
  IsoDateSchema,
  MessageTextSchema,
  VendorIdSchema,
} from "../../../platform/http/schemas";

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

/** The data of a `conversation.message.*` event: the message as its conversation lists it. */
export const MessageEventDataSchema = z
  .object({ conversationId: VendorIdSchema, message: ConversationMessageSchema })
  .openapi("ConversationMessageEvent");

/* ---- actions ---- */

export const MessageActionParamsSchema = z.object({
  conversationId: VendorIdSchema.openapi({ param: { name: "conversationId", in: "path" } }),
  messageId: VendorIdSchema.openapi({
    param: { name: "messageId", in: "path" },
    example: "6720c0d0e0f0a0b0c0d00001",
  }),
});

export const MESSAGE_ACTIONS = ["Approve", "Edit", "Reject"] as const;

export const MessageActionBodySchema = z
  .strictObject({
    metadata: z.strictObject({
      action: z.enum(MESSAGE_ACTIONS),
      editedMessage: freeText(z.string().trim().min(1).max(4096))
        .optional()
        .openapi({ description: "The new text; required with `Edit`, refused otherwise." }),
    }),
  })
  .superRefine(({ metadata }, ctx) => {
    if (metadata.action === "Edit" && metadata.editedMessage === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["metadata", "editedMessage"],
        message: "is required with the Edit action",
        params: { rule: "required" },
      });
    }
    if (metadata.action !== "Edit" && metadata.editedMessage !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["metadata", "editedMessage"],
        message: `is only allowed with the Edit action, not ${metadata.action}`,
        params: { rule: "only_with_edit" },
      });
    }
  })
  .openapi("MessageAction", {
    example: {
      metadata: { action: "Edit", editedMessage: "Friday at 10am works. Shall I book it?" },
    },
  });

export type MessageAction = z.infer<typeof MessageActionBodySchema>["metadata"];

export const MessageActionResponseSchema = z
  .object({
    status: z.literal("success"),
    message: z.object({
      _id: VendorIdSchema,
      message: messageColumns.message,
      to: z.string().nullable().openapi({
        description: "The customer's phone, or email on the email channel.",
        example: "+14155550101",
      }),
      sent: messageColumns.sent,
      status: messageColumns.status,
      timestamp: IsoDateSchema,
    }),
  })
  .openapi("MessageActionResult");

/**
 * A message as a client sends it (and as the vendor's GET returns it, so an export imports as
 * is). Defaults: inbound → `received`, `sent: true`; outbound → `pending`, `sent: false` (an AI
 * draft awaiting review). `senderType` (an extension: who wrote an outbound message, `AI` by
 * default) is what snapshots later copy.
 */
export const NewMessageSchema = z
  .strictObject({
    _id: VendorIdSchema.optional(),
    direction: messageColumns.direction,
    message: MessageTextSchema.openapi({ example: "Can I move my appointment to Friday?" }),
    status: z.enum(MESSAGE_STATUSES).optional(),
    sent: z.boolean().optional(),
    senderType: z.enum(SENDER_TYPES).optional(),
    createdAt: DateInputSchema.optional(),
    updatedAt: DateInputSchema.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.direction === "inbound" && m.status !== undefined && m.status !== "received") {
      ctx.addIssue({
        code: "custom",
        path: ["status"],
        message: "must be received for an inbound message",
        params: { rule: "inbound_status" },
      });
    }
    if (m.direction === "outbound" && m.status === "received") {
      ctx.addIssue({
        code: "custom",
        path: ["status"],
        message: "cannot be received for an outbound message",
        params: { rule: "outbound_status" },
      });
    }
    if (m.direction === "inbound" && m.senderType !== undefined && m.senderType !== "human") {
      ctx.addIssue({
        code: "custom",
        path: ["senderType"],
        message: "must be human for an inbound message",
        params: { rule: "inbound_sender" },
      });
    }
  })
  .openapi("NewMessage");

export type NewMessage = z.output<typeof NewMessageSchema>;
