import { z } from "@hono/zod-openapi";
import { ACTOR_TYPES, MESSAGE_STATUSES, SENDER_TYPES } from "../../../platform/db/schema";
import { messageColumns, revisionColumns } from "../../../platform/db/zod";
import {
  DateInputSchema,
  freeText,
  IsoDateSchema,
  MessageTextSchema,
  plainText,
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

const ReviewSecondsSchema = z.number().nonnegative().nullable().openapi({
  description: "Seconds from the draft to its verdict (null for a review recorded without it).",
  example: 42.5,
});

/** `conversation.message.edited`: the message, and its text before the edit (null if unknown). */
export const MessageEditedEventDataSchema = z
  .object({
    conversationId: VendorIdSchema,
    message: ConversationMessageSchema,
    previousMessage: z.string().nullable().openapi({
      description:
        "The text before this edit; null for a draft edited before its history was kept.",
    }),
  })
  .openapi("ConversationMessageEditedEvent");

/** `conversation.message.approved` / `.rejected`: the message, and how long its review took. */
export const MessageReviewedEventDataSchema = z
  .object({
    conversationId: VendorIdSchema,
    message: ConversationMessageSchema,
    reviewSeconds: ReviewSecondsSchema,
  })
  .openapi("ConversationMessageReviewedEvent");

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
      reason: freeText(z.string().trim().min(1).max(1000)).optional().openapi({
        description:
          "An extension: why the draft was rejected, kept with its review history (only with `Reject`; never in the vendor's shapes).",
        example: "Offered a time the clinic is closed",
      }),
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
    if (metadata.action !== "Reject" && metadata.reason !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["metadata", "reason"],
        message: `is only allowed with the Reject action, not ${metadata.action}`,
        params: { rule: "only_with_reject" },
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
/** What produced a draft (a model, a prompt version): a short label on one line. */
const DraftLabelSchema = plainText(z.string().trim().min(1).max(100)).optional();

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
    model: DraftLabelSchema.openapi({
      description:
        "An extension: the model that wrote this draft (an outbound `pending` message). Kept with its review history; never in the vendor's shapes.",
      example: "gpt-4.1-mini",
    }),
    promptVersion: DraftLabelSchema.openapi({
      description: "An extension: the prompt version that produced this draft, as `model`.",
      example: "booking-v7",
    }),
  })
  .superRefine((m, ctx) => {
    for (const key of ["model", "promptVersion"] as const) {
      const pending = m.direction === "outbound" && (m.status ?? "pending") === "pending";
      if (m[key] !== undefined && !pending) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: "is only kept for a draft: an outbound message with status pending",
          params: { rule: "draft_only" },
        });
      }
    }
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

/* ---- a draft's history (an extension) ---- */

export const RevisionActorSchema = z
  .object({
    type: z.enum(ACTOR_TYPES),
    _id: z.string().openapi({ example: "6720c0d0e0f0a0b0c0d0e0f1" }),
    name: z.string().nullable().openapi({ example: "Inbox assistant" }),
  })
  .nullable()
  .openapi("RevisionActor", {
    description:
      "Who took the step: the API key (its name then) or the user; null when not known (steps recorded before history was kept, a bulk import).",
  });

export const RevisionSchema = z
  .object({
    revision: z.number().int().nonnegative().openapi({ example: 1 }),
    action: revisionColumns.action,
    message: revisionColumns.message.openapi({
      description:
        "The text after this step: the AI's for `Draft` (null if it was edited before history was kept), the new text for `Edit`, the text sent for `Approve`; null for `Reject`.",
      example: "Friday at 10am works. Shall I book it?",
    }),
    actor: RevisionActorSchema,
    createdAt: IsoDateSchema,
  })
  .openapi("DraftRevision");

export const MessageRevisionsSchema = z
  .object({
    messageId: VendorIdSchema,
    status: messageColumns.status,
    revisions: z.array(RevisionSchema),
  })
  .openapi("DraftRevisions", {
    description:
      "An AI draft's history, oldest first. A message that was never a draft (inbound, or outbound written as sent) has none.",
  });
