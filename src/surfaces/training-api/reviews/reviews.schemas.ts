import { z } from "@hono/zod-openapi";
import { DRAFT_OUTCOMES } from "../../../platform/db/schema";
import { draftColumns } from "../../../platform/db/zod";
import {
  CursorQuerySchema,
  DateQuerySchema,
  IsoDateSchema,
  LimitQuerySchema,
  plainText,
  VendorIdSchema,
} from "../../../platform/http/schemas";

/*
 * Reviewed AI drafts (an extension over both vendors): a draft as the AI wrote it next to what a
 * person sent instead, the numbers of the review loop, and the same pairs as fine-tuning data.
 */

const Label = plainText(z.string().trim().min(1).max(100));

export const ReviewSchema = z
  .object({
    conversationId: VendorIdSchema,
    messageId: VendorIdSchema,
    agentId: draftColumns.agentId.openapi({ example: "ag67890" }),
    pathwayId: draftColumns.pathwayId.openapi({ example: "pw12345" }),
    model: draftColumns.model.openapi({ example: "gpt-4.1-mini" }),
    promptVersion: draftColumns.promptVersion.openapi({ example: "booking-v7" }),
    outcome: z.enum(DRAFT_OUTCOMES).openapi({
      description:
        "`approved`: sent as the AI wrote it; `edited`: sent after a person changed it; `rejected`: not sent.",
      example: "edited",
    }),
    draft: draftColumns.draft.openapi({
      description: "The AI's text; null for a draft edited before its history was kept.",
      example: "Friday at 10am is open.",
    }),
    final: draftColumns.final.openapi({
      description: "The text sent; null when rejected.",
      example: "Friday at 10am works. Shall I book it?",
    }),
    reason: draftColumns.reason.openapi({
      description: "Why it was rejected, when the reviewer said.",
      example: null,
    }),
    draftedAt: IsoDateSchema,
    reviewedAt: IsoDateSchema,
    reviewSeconds: z.number().nonnegative().openapi({
      description: "Seconds from the draft to its verdict.",
      example: 42.5,
    }),
    editDistance: z.number().int().nonnegative().nullable().openapi({
      description:
        "Characters changed between draft and final (Levenshtein, in Unicode code points): 0 when approved as written, null when rejected or the original is unknown, and for an edit for the moment after its review until it is computed.",
      example: 19,
    }),
  })
  .openapi("Review");

export type ReviewDocument = z.infer<typeof ReviewSchema>;

/** The filters of the reviews list, shared by the preference exports. */
export const ReviewFilterShape = {
  outcome: z.enum(DRAFT_OUTCOMES).optional(),
  agentId: Label.optional(),
  pathwayId: Label.optional(),
  model: Label.optional(),
  reviewedAfter: DateQuerySchema.optional().openapi({ description: "Reviewed after this time." }),
  reviewedBefore: DateQuerySchema.optional().openapi({
    description: "Reviewed before this time.",
  }),
};

export const ListReviewsQuerySchema = z.strictObject({
  ...ReviewFilterShape,
  limit: LimitQuerySchema,
  cursor: CursorQuerySchema,
});

export type ReviewFilters = Omit<z.infer<typeof ListReviewsQuerySchema>, "limit" | "cursor">;

/* ---- stats ---- */

export const STATS_GROUPS = ["day", "week", "agent", "pathway", "model"] as const;
export const MAX_STATS_RANGE_DAYS = 366;

export const ReviewStatsQuerySchema = z
  .strictObject({
    from: DateQuerySchema.optional().openapi({
      description: "Drafts written from this time on (default: 30 days before `to`).",
    }),
    to: DateQuerySchema.optional().openapi({
      description: "…and before this time (default: now).",
    }),
    groupBy: z.enum(STATS_GROUPS).default("day").openapi({
      description:
        "`day` and `week` (weeks start on Monday; both in UTC) by drafting time, or by `agent`, `pathway`, `model`.",
    }),
    agentId: Label.optional(),
    pathwayId: Label.optional(),
    model: Label.optional(),
  })
  .superRefine((query, ctx) => {
    const to = query.to ?? Date.now();
    const from = query.from ?? to - 30 * 86_400_000;
    if (from >= to) {
      ctx.addIssue({
        code: "custom",
        path: ["from"],
        message: "must be before to",
        params: { rule: "range" },
      });
    } else if (to - from > MAX_STATS_RANGE_DAYS * 86_400_000) {
      ctx.addIssue({
        code: "custom",
        path: ["from"],
        message: `must be at most ${MAX_STATS_RANGE_DAYS} days before to`,
        params: { rule: "range" },
      });
    }
  });

export type ReviewStatsQuery = z.infer<typeof ReviewStatsQuerySchema>;

const rate = (description: string) =>
  z.number().min(0).max(1).nullable().openapi({ description, example: 0.62 });

export const ReviewBucketSchema = z
  .object({
    key: z.string().nullable().openapi({
      description:
        "The day (`2026-12-01`), the week's Monday, the agent, pathway or model (null: drafts without one); `total` for the whole range.",
      example: "2026-12-01",
    }),
    drafted: z.number().int().nonnegative().openapi({ example: 40 }),
    approved: z.number().int().nonnegative().openapi({ example: 25 }),
    edited: z.number().int().nonnegative().openapi({ example: 10 }),
    rejected: z.number().int().nonnegative().openapi({ example: 3 }),
    pending: z.number().int().nonnegative().openapi({ example: 2 }),
    approvalRate: rate("Approved as written ÷ reviewed; null when none was reviewed."),
    editRate: rate("Edited ÷ reviewed."),
    rejectRate: rate("Rejected ÷ reviewed."),
    reviewSeconds: z.object({
      p50: z.number().nonnegative().nullable().openapi({ example: 38.2 }),
      p90: z.number().nonnegative().nullable().openapi({ example: 240.5 }),
    }),
    editDistance: z.object({
      p50: z.number().int().nonnegative().nullable().openapi({
        description: "Median characters changed over the drafts sent (approved and edited).",
        example: 4,
      }),
    }),
  })
  .openapi("ReviewBucket");

export const ReviewStatsSchema = z
  .object({
    from: IsoDateSchema,
    to: IsoDateSchema,
    groupBy: z.enum(STATS_GROUPS),
    total: ReviewBucketSchema,
    buckets: z.array(ReviewBucketSchema),
  })
  .openapi("ReviewStats", {
    description:
      "The drafts written in [from, to), counted by what became of them; percentiles are nearest-rank.",
  });

export type ReviewBucket = z.infer<typeof ReviewBucketSchema>;
