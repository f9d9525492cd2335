import { respondWithList, type TrainingHandler } from "../router";
import { type BucketRow, listReviews, reviewStats } from "./reviews.repository";
import type { ListRoute, StatsRoute } from "./reviews.routes";
import type { ReviewBucket } from "./reviews.schemas";

export const list: TrainingHandler<ListRoute> = (c) =>
  respondWithList(c, c.req.valid("query"), listReviews);

const DAY_MS = 86_400_000;

/** A share of the reviewed, or null when none was (rounded to 4 places). */
const share = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

/**
 * A bucket as the API answers it. The counts and percentiles come from SQLite; the rates are
 * divisions of them, done here (an aggregate, not a stored document: nothing to define twice).
 */
function bucketOf(row: BucketRow | undefined, key: string | null): ReviewBucket {
  const counts = {
    drafted: row?.drafted ?? 0,
    approved: row?.approved ?? 0,
    edited: row?.edited ?? 0,
    rejected: row?.rejected ?? 0,
    pending: row?.pending ?? 0,
  };
  const reviewed = counts.approved + counts.edited + counts.rejected;
  return {
    key,
    ...counts,
    approvalRate: share(counts.approved, reviewed),
    editRate: share(counts.edited, reviewed),
    rejectRate: share(counts.rejected, reviewed),
    reviewSeconds: { p50: row?.reviewP50 ?? null, p90: row?.reviewP90 ?? null },
    editDistance: { p50: row?.distanceP50 ?? null },
  };
}

export const stats: TrainingHandler<StatsRoute> = async (c) => {
  const query = c.req.valid("query");
  const to = query.to ?? Date.now();
  const from = query.from ?? to - 30 * DAY_MS;
  const { buckets, total } = await reviewStats(c.get("db"), c.var.user.organizationId, {
    ...query,
    from,
    to,
  });
  return c.json(
    {
      success: true as const,
      data: {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        groupBy: query.groupBy,
        total: bucketOf(total, "total"),
        buckets: buckets.map((row) => bucketOf(row, row.key)),
      },
    },
    200,
  );
};
