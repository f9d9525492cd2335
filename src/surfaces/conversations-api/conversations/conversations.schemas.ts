import { z } from "@hono/zod-openapi";
import { contactColumns, conversationColumns } from "../../../platform/db/zod";
import {
  ChannelTypeSchema,
  CursorQuerySchema,
  CustomerNameSchema,
  DateInputSchema,
  DateQuerySchema,
  EmailSchema,
  IsoDateSchema,
  LimitQuerySchema,
  ObjectIdSchema,
  PhoneSchema,
  VendorIdSchema,
} from "../../../platform/http/schemas";
import { ConversationMessageSchema, NewMessageSchema } from "../messages/messages.schemas";

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

/* ---- ingestion ---- */

/** Most messages one create (or one imported conversation) may carry. */
export const MAX_INGESTED_MESSAGES = 1000;

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
