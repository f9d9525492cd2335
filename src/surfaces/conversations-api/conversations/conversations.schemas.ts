import { z } from "@hono/zod-openapi";
import { MESSAGE_STATUSES, SENDER_TYPES } from "../../../platform/db/schema";
import { contactColumns, conversationColumns, messageColumns } from "../../../platform/db/zod";
import {
  ChannelTypeSchema,
  CursorQuerySchema,
  CustomerNameSchema,
  DateInputSchema,
  DateQuerySchema,
  EmailSchema,
  freeText,
  IsoDateSchema,
  LimitQuerySchema,
  MessageTextSchema,
  ObjectIdSchema,
  PhoneSchema,
  VendorIdSchema,
} from "../../../platform/http/schemas";

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

/** The data of a `conversation.message.*` event: the message as its conversation lists it. */
export const MessageEventDataSchema = z
  .object({ conversationId: VendorIdSchema, message: ConversationMessageSchema })
  .openapi("ConversationMessageEvent");

/* ---- lists ---- */

const ConversationFilterShape = {
  agentId: VendorIdSchema.optional().openapi({ example: "ag67890" }),
  createdAfter: DateQuerySchema.optional(),
  createdBefore: DateQuerySchema.optional(),
  updatedAfter: DateQuerySchema.optional(),
  limit: LimitQuerySchema,
  cursor: CursorQuerySchema,
};

export const ListConversationsQuerySchema = z.strictObject({
  ...ConversationFilterShape,
  pathwayId: VendorIdSchema.optional().openapi({ example: "pw12345" }),
});

export const FlowConversationsQuerySchema = z.strictObject(ConversationFilterShape);

export const FlowParamsSchema = z.object({
  flowId: VendorIdSchema.openapi({ param: { name: "flowId", in: "path" }, example: "pw12345" }),
});

export type ConversationFilters = Omit<
  z.infer<typeof ListConversationsQuerySchema>,
  "limit" | "cursor"
>;

export const ConversationListSchema = z.array(ConversationSchema).openapi("ConversationList");

/* ---- message actions ---- */

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

/* ---- ingestion ---- */

/** Most messages one create (or one imported conversation) may carry. */
export const MAX_INGESTED_MESSAGES = 1000;

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

export const CreateConversationBodySchema = z
  .strictObject({
    _id: VendorIdSchema.optional().openapi({
      description:
        "Your id for it (`^[A-Za-z0-9_-]{1,64}$`); one is made when absent. Taken → 409.",
    }),
    customer: z
      .strictObject({
        name: CustomerNameSchema.nullable().optional(),
        email: EmailSchema.nullable().optional(),
        phone: PhoneSchema.nullable().optional(),
      })
      .openapi({
        description:
          "Linked to the organization's contact with this phone, else this email, else a new contact made from it.",
      }),
    pathwayId: VendorIdSchema.nullable().optional(),
    agentId: VendorIdSchema.nullable().optional(),
    userId: ObjectIdSchema.nullable().optional().openapi({
      description: "The staff member it belongs to: a user of the organization.",
    }),
    channelType: ChannelTypeSchema.optional().openapi({
      description:
        "For a new contact: `sms` with a phone, `email` with only an email, else `webchat`.",
    }),
    createdAt: DateInputSchema.optional(),
    updatedAt: DateInputSchema.optional(),
    messages: z.array(NewMessageSchema).max(MAX_INGESTED_MESSAGES).optional(),
  })
  .openapi("CreateConversation");

export type CreateConversationBody = z.output<typeof CreateConversationBodySchema>;
