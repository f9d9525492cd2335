import { z } from "@hono/zod-openapi";
import { PREFERENCE_FORMATS } from "../reviews/reviews.export";
import { ReviewFilterShape } from "../reviews/reviews.schemas";
import { SnapshotFilterShape } from "../snapshots/snapshots.schemas";

export const EXPORT_FORMATS = ["json", "jsonl", ...PREFERENCE_FORMATS] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const SNAPSHOT_ONLY = ["quality", "category", "tag"] as const;
const REVIEW_ONLY = Object.keys(ReviewFilterShape) as (keyof typeof ReviewFilterShape)[];

/**
 * The export's query: a format, and the filters of what it exports (snapshots for `json` and
 * `jsonl`, like the snapshots list; reviewed drafts for the preference formats, like the
 * reviews list). A filter of the other kind is refused, not ignored.
 */
export const ExportQuerySchema = z
  .strictObject({
    format: z.enum(EXPORT_FORMATS).default("json").openapi({
      description:
        "`json`: the vendor's export document; `jsonl`: chat fine-tuning lines, one per snapshot; `preference`: OpenAI's preference fine-tuning lines, one per edited draft; `preference-trl`: the same pairs in TRL's `prompt`/`chosen`/`rejected` form; `kto`: unpaired `prompt`/`completion`/`label` lines.",
    }),
    ...SnapshotFilterShape,
    ...ReviewFilterShape,
  })
  .superRefine((query, ctx) => {
    const preference = (PREFERENCE_FORMATS as readonly string[]).includes(query.format);
    const refused = preference
      ? SNAPSHOT_ONLY.filter((key) => query[key] !== undefined)
      : REVIEW_ONLY.filter((key) => query[key] !== undefined);
    for (const key of refused) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: preference
          ? `filters snapshots; it does not apply to format=${query.format}`
          : `filters reviewed drafts; it applies to the preference formats only`,
        params: { rule: "not_with_format" },
      });
    }
  });
