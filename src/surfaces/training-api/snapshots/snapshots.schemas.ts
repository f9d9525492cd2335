import { z } from "@hono/zod-openapi";
import { SNAPSHOT_QUALITIES } from "../../../platform/db/schema";
import {
  contactColumns,
  snapshotColumns,
  snapshotMessageColumns,
  userColumns,
} from "../../../platform/db/zod";
import {
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
  plainText,
  SearchQuerySchema,
  VendorIdSchema,
} from "../../../platform/http/schemas";
import { dataSchema, listResponseSchema } from "../envelope";

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

export const SnapshotEnvelopeSchema = dataSchema(SnapshotSchema, "TrainingSnapshotResponse");

export type Snapshot = z.infer<typeof SnapshotSchema>;

export const SnapshotListItemSchema = SnapshotSchema.omit({ messages: true }).openapi(
  "TrainingSnapshotListItem",
  { description: "A snapshot as lists return it: everything but `messages`." },
);

export const SnapshotListResponseSchema = listResponseSchema(
  SnapshotListItemSchema,
  "TrainingSnapshotList",
);

export const SnapshotWriteResponseSchema = z
  .object({
    success: z.literal(true),
    message: z.string().openapi({ example: "Training snapshot created successfully" }),
    data: SnapshotSchema,
  })
  .openapi("TrainingSnapshotWriteResponse");

/** One snapshot of the export document: the vendor's shape for training data. */
export const ExportItemSchema = z
  .object({
    id: z.string(),
    customer: z.object({
      name: z.string().nullable(),
      phone: z.string().nullable(),
      email: z.string().nullable(),
    }),
    conversation: z.array(
      z.object({
        role: z.enum(["assistant", "user"]),
        content: z.string(),
        timestamp: IsoDateSchema,
        senderType: snapshotMessageColumns.senderType,
      }),
    ),
    metadata: z.object({
      quality: snapshotColumns.quality,
      tags: z.array(z.string()),
      messageCount: z.number().int(),
    }),
  })
  .openapi("TrainingExportItem");

/**
 * The vendor's export document (`GET /api/training/export`, `format=json`). `totalSnapshots`
 * comes after `data`: it is the exact count of what was streamed.
 */
export const ExportDocumentSchema = z
  .object({
    exportDate: z.string().openapi({ example: "2026-11-22T10:00:00.000Z" }),
    organizationId: z.string().openapi({ example: "65a0e0e0e0e0e0e0e0e0e0e0" }),
    data: z.array(ExportItemSchema),
    totalSnapshots: z.number().int(),
  })
  .openapi("TrainingExport");

/** One line of the chat fine-tuning export (`format=jsonl`). */
export const FineTuningLineSchema = z
  .object({
    messages: z.array(z.object({ role: z.enum(["assistant", "user"]), content: z.string() })),
  })
  .openapi("FineTuningLine");

/* ---- inputs ---- */

export const MAX_SNAPSHOT_MESSAGES = 1000;
export const MAX_TAGS = 20;
export const MAX_TAG_FILTERS = 5;

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const TagSchema = plainText(z.string().trim().toLowerCase().min(1).max(32)).openapi({
  example: "pricing",
});

/** Tags are stored trimmed and lowercase, without duplicates, in the order given. */
export const TagsSchema = z
  .array(TagSchema)
  .max(MAX_TAGS)
  .transform((tags) => [...new Set(tags)])
  .openapi({ example: ["sales", "pricing"] });

export const CategorySchema = z
  .string()
  .max(64)
  .regex(SLUG, "must be a lowercase slug such as objection-handling")
  .openapi({ example: "objection-handling" });

export const NotesSchema = freeText(z.string().max(10_000)).openapi({
  example: "Great handling of objection on pricing.",
});

export const QualitySchema = z.enum(SNAPSHOT_QUALITIES).openapi({ example: "good" });

export const CreateSnapshotBodySchema = z
  .strictObject({
    contactId: ObjectIdSchema.openapi({
      example: "65c2d0e0f0a0b0c0d0e0f0a0",
      description: "The contact whose messages are captured.",
    }),
    conversationId: VendorIdSchema.optional().openapi({
      description: "Capture only this conversation of the contact.",
    }),
    messageIds: z
      .array(VendorIdSchema)
      .min(1)
      .max(MAX_SNAPSHOT_MESSAGES)
      .refine((ids) => new Set(ids).size === ids.length, {
        message: "must not repeat an id",
        params: { rule: "unique" },
      })
      .optional()
      .openapi({ description: "Capture exactly these messages of the contact." }),
    notes: NotesSchema.nullable().optional(),
    tags: TagsSchema.optional(),
    quality: QualitySchema.nullable().optional(),
    category: CategorySchema.nullable().optional(),
  })
  .openapi("CreateTrainingSnapshot");

export type CreateSnapshotBody = z.infer<typeof CreateSnapshotBodySchema>;

/** What a PATCH may change. Everything else the snapshot has is a faithful, immutable capture. */
const EditableSnapshotShape = {
  notes: NotesSchema.nullable().optional(),
  tags: TagsSchema.optional(),
  quality: QualitySchema.nullable().optional(),
  category: CategorySchema.nullable().optional(),
  isArchived: z.boolean().optional(),
};

export const EDITABLE_SNAPSHOT_FIELDS = Object.keys(EditableSnapshotShape) as string[];

export const PatchSnapshotBodySchema = z
  .strictObject(EditableSnapshotShape)
  .refine((body) => Object.keys(body).length > 0, {
    message: `must change at least one of ${EDITABLE_SNAPSHOT_FIELDS.join(", ")}`,
    params: { rule: "not_empty" },
  })
  .openapi("PatchTrainingSnapshot");

/** The changes a PATCH applies, as validated (tags trimmed, lowercased and deduplicated). */
export type SnapshotChanges = z.output<typeof PatchSnapshotBodySchema>;

/** `true` or `false` in a query string; the default is given as the string a client would send. */
const booleanQuery = (fallback: "true" | "false") =>
  z
    .enum(["true", "false"])
    .default(fallback)
    .transform((value) => value === "true");

/** `?tag=a&tag=b`: repeatable, every tag must match. */
const TagFilterSchema = z
  .preprocess(
    (value) => (typeof value === "string" ? [value] : value),
    z.array(TagSchema).max(MAX_TAG_FILTERS),
  )
  .transform((tags) => [...new Set(tags)])
  .openapi({ description: "Repeatable; a snapshot must carry every tag given." });

export const SnapshotFilterShape = {
  quality: QualitySchema.optional(),
  category: CategorySchema.optional(),
  tag: TagFilterSchema.optional(),
  isArchived: booleanQuery("false").openapi({
    description: "Archived snapshots are listed only with `isArchived=true`.",
  }),
};

export const ListSnapshotsQuerySchema = z.strictObject({
  ...SnapshotFilterShape,
  contactId: ObjectIdSchema.optional(),
  createdAfter: DateQuerySchema.optional(),
  createdBefore: DateQuerySchema.optional(),
  q: SearchQuerySchema.optional().openapi({
    description: "Case-insensitive text search in notes and customer name.",
  }),
  limit: LimitQuerySchema,
  cursor: CursorQuerySchema,
});

export type ListSnapshotsQuery = z.infer<typeof ListSnapshotsQuerySchema>;

/** The filters shared by the list and the export. */
export type SnapshotFilters = Pick<
  ListSnapshotsQuery,
  "quality" | "category" | "tag" | "isArchived"
> &
  Partial<Pick<ListSnapshotsQuery, "contactId" | "createdAfter" | "createdBefore" | "q">>;

/**
 * An item of the export document as `npm run import --format tether` reads it back: the export's
 * shape with the rules of the API's inputs (E.164 phones, emails, tags, quality, at most 1,000
 * messages of at most 10,000 characters without NUL).
 */
export const ExportItemInputSchema = z.object({
  id: z.string().min(1).max(64),
  customer: z.object({
    name: CustomerNameSchema.nullable().optional(),
    phone: PhoneSchema.nullable().optional(),
    email: EmailSchema.nullable().optional(),
  }),
  conversation: z
    .array(
      z.object({
        role: z.enum(["assistant", "user"]),
        content: MessageTextSchema,
        timestamp: DateInputSchema,
        senderType: snapshotMessageColumns.senderType,
      }),
    )
    .max(MAX_SNAPSHOT_MESSAGES),
  metadata: z.object({
    quality: QualitySchema.nullable().optional(),
    tags: TagsSchema.optional(),
    messageCount: z.number().int().min(0).optional(),
  }),
});

export type ExportItemInput = z.output<typeof ExportItemInputSchema>;
