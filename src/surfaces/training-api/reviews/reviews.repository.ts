import { and, eq, isNotNull, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../platform/db/client";
import * as keyset from "../../../platform/db/keyset";
import { renderedPerShape } from "../../../platform/db/rendered-once";
import type { RequestDatabase } from "../../../platform/db/request-database";
import { drafts } from "../../../platform/db/schema";
import { draftMessageJoin, humanReplySql, promptJson, reviewJson } from "./reviews.document";
import type { ReviewFilters, ReviewStatsQuery } from "./reviews.schemas";

const d = drafts;

/** What a page's statement binds: its filters, the range of its cursor, its size. */
type PageValues = keyset.PageValues & {
  organizationId: string;
  outcome?: string | undefined;
  agentId?: string | undefined;
  pathwayId?: string | undefined;
  model?: string | undefined;
};

/** What an export line is made of: the texts, a rejected draft's human reply, the prompt. */
export interface ExportRow {
  createdAt: number;
  id: string;
  outcome: "approved" | "edited" | "rejected";
  draft: string | null;
  final: string | null;
  reply: string | null;
  prompt: string;
}

/**
 * A page of reviewed drafts matching the filters, newest review first, through the partial
 * index of them: each as its list document (`list`), or as what an export line is made of, the
 * conversation up to the draft read with it (`export`). Rendered once per shape and filters.
 */
const pageStatement = renderedPerShape<PageValues, "list" | "export">((db, p, shape) => {
  const page = keyset.page(d.reviewedAt, d.messageId, p);
  const where = and(
    eq(d.organizationId, p.organizationId),
    isNotNull(d.reviewedAt),
    p.outcome ? eq(d.outcome, p.outcome) : undefined,
    p.agentId ? eq(d.agentId, p.agentId) : undefined,
    p.pathwayId ? eq(d.pathwayId, p.pathwayId) : undefined,
    p.model ? eq(d.model, p.model) : undefined,
    ...page.range,
  );
  const position = page.position;
  const query =
    shape === "list"
      ? db
          .select({ doc: sql<string>`${reviewJson}`.as("doc"), ...position })
          .from(d)
          .$dynamic()
      : db
          .select({
            ...position,
            outcome: d.outcome,
            draft: d.draft,
            final: d.final,
            reply: sql<
              string | null
            >`case when ${d.outcome} = 'rejected' then ${humanReplySql} end`.as("reply"),
            prompt: sql<string>`${promptJson}`.as("prompt"),
          })
          .from(d)
          .innerJoin(draftMessageJoin.table, draftMessageJoin.on)
          .$dynamic();
  return query
    .where(where)
    .orderBy(...page.order)
    .limit(page.limit);
});

/** The statement of a page, for the list (`list`) or the export (`export`). */
export const reviewPageQuery = (
  organizationId: string,
  filters: ReviewFilters,
  position: keyset.CursorPosition | undefined,
  limit: number,
  shape: "list" | "export" = "list",
) =>
  pageStatement(
    {
      organizationId,
      outcome: filters.outcome,
      agentId: filters.agentId,
      pathwayId: filters.pathwayId,
      model: filters.model,
      ...keyset.values(position, limit, {
        createdAfter: filters.reviewedAfter,
        createdBefore: filters.reviewedBefore,
      }),
    },
    shape,
  );

/** A page of reviews as documents (`limit` rows at most), in one statement. */
export const listReviews = (
  db: RequestDatabase,
  organizationId: string,
  filters: ReviewFilters,
  position: keyset.CursorPosition | undefined,
  limit: number,
) =>
  db.readPage<{ doc: string; createdAt: number; id: string }>(
    reviewPageQuery(organizationId, filters, position, limit),
  );

/** A page of reviews as export rows (the conversation up to each draft read with it). */
export const exportPage = (
  db: RequestDatabase,
  organizationId: string,
  filters: ReviewFilters,
  position: keyset.CursorPosition | undefined,
  limit: number,
) => db.readPage<ExportRow>(reviewPageQuery(organizationId, filters, position, limit, "export"));

/* ---- stats ---- */

/** A bucket's counts and nearest-rank percentiles, as SQLite computes them. */
export interface BucketRow {
  key: string | null;
  drafted: number;
  approved: number;
  edited: number;
  rejected: number;
  pending: number;
  reviewP50: number | null;
  reviewP90: number | null;
  distanceP50: number | null;
}

const BUCKET_KEYS = {
  day: sql`strftime('%Y-%m-%d', ${d.draftedAt} / 1000, 'unixepoch')`,
  // The Monday on or before the day: the next Sunday (or the day itself), six days back.
  week: sql`date(${d.draftedAt} / 1000, 'unixepoch', 'weekday 0', '-6 days')`,
  agent: sql`${d.agentId}`,
  pathway: sql`${d.pathwayId}`,
  model: sql`${d.model}`,
  total: sql`'total'`,
} satisfies Record<ReviewStatsQuery["groupBy"] | "total", SQL>;

/** Nearest rank of percentile `p` among `n` values: ⌈n·p/100⌉ in integer arithmetic. */
const rank = (p: number) => sql.raw(`(n * ${p} + 99) / 100`);

/**
 * One statement per grouping: the range's drafts (through (organization, drafted_at), so the
 * cost follows the range), counted per bucket, with the percentiles of review time and edit
 * distance picked by rank from window functions over the same rows.
 */
export function statsSql(
  organizationId: string,
  query: ReviewStatsQuery & { from: number; to: number },
  group: keyof typeof BUCKET_KEYS,
): SQL {
  const where = and(
    eq(d.organizationId, organizationId),
    sql`${d.draftedAt} >= ${query.from}`,
    sql`${d.draftedAt} < ${query.to}`,
    query.agentId ? eq(d.agentId, query.agentId) : undefined,
    query.pathwayId ? eq(d.pathwayId, query.pathwayId) : undefined,
    query.model ? eq(d.model, query.model) : undefined,
  );
  return sql`with ranged as (
      select ${BUCKET_KEYS[group]} as k, ${d.outcome} as outcome, ${d.reviewMs} as review_ms,
        ${d.editDistance} as distance
      from ${d} where ${where}),
    counts as (
      select k, count(*) as drafted,
        sum(outcome = 'approved') as approved, sum(outcome = 'edited') as edited,
        sum(outcome = 'rejected') as rejected, sum(outcome is null) as pending
      from ranged group by k),
    reviews as (
      select k, review_ms as v, row_number() over (partition by k order by review_ms) as i,
        count(*) over (partition by k) as n
      from ranged where outcome is not null and review_ms is not null),
    distances as (
      select k, distance as v, row_number() over (partition by k order by distance) as i,
        count(*) over (partition by k) as n
      from ranged where outcome in ('approved', 'edited') and distance is not null)
    select counts.k as key, drafted, approved, edited, rejected, pending,
      (select v from reviews r where r.k is counts.k and i = ${rank(50)}) / 1000.0 as reviewP50,
      (select v from reviews r where r.k is counts.k and i = ${rank(90)}) / 1000.0 as reviewP90,
      (select v from distances x where x.k is counts.k and i = ${rank(50)}) as distanceP50
    from counts order by counts.k is null, counts.k`;
}

/** The rows of a stats statement, as a select (so it can go in a batch). */
const selectBuckets = (db: Database, statement: SQL) =>
  db
    .select({
      key: sql<string | null>`key`,
      drafted: sql<number>`drafted`,
      approved: sql<number>`approved`,
      edited: sql<number>`edited`,
      rejected: sql<number>`rejected`,
      pending: sql<number>`pending`,
      reviewP50: sql<number | null>`reviewP50`,
      reviewP90: sql<number | null>`reviewP90`,
      distanceP50: sql<number | null>`distanceP50`,
    } satisfies Record<keyof BucketRow, SQL>)
    .from(sql`(${statement}) as ${sql.identifier("s")}`);

/** The buckets of the range and its total, in one round trip (two statements). */
export async function reviewStats(
  db: Database,
  organizationId: string,
  query: ReviewStatsQuery & { from: number; to: number },
): Promise<{ buckets: BucketRow[]; total: BucketRow | undefined }> {
  const [buckets, total] = await db.batch([
    selectBuckets(db, statsSql(organizationId, query, query.groupBy)),
    selectBuckets(db, statsSql(organizationId, query, "total")),
  ]);
  return { buckets: buckets as BucketRow[], total: (total as BucketRow[])[0] };
}
