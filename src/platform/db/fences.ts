import { eq, type Placeholder, type SQLWrapper, sql } from "drizzle-orm";
import { organizationFrozen } from "../errors/faults";
import type { Database } from "./client";
import { renderedOnce } from "./rendered-once";
import { fenceTrips, organizationFences } from "./schema";
import type { Statement } from "./statement";

/*
 * Fences: how a shard refuses an organization it does not serve right now (docs/sharding.md).
 * A move freezes the organization on its old shard while it copies (reads served, writes refused)
 * and then marks it moved there (nothing served: the request goes to the new shard). Every request
 * meets the fence inside a round trip it makes anyway:
 * - a write batch begins with `writeFence`, which fails the batch before any of its writes;
 * - a read carries `fenceQuery` (or the session check, which includes it) and looks at the answer
 *   before it is sent.
 */

export type FenceState = (typeof organizationFences.$inferSelect)["state"];

export interface Fence {
  state: FenceState;
  /** The binding of the shard that serves a moved organization. */
  movedTo: string | null;
}

/** Fails the batch it opens if the organization is fenced on this shard (see `fenceTrips`). */
export const writeFence = renderedOnce(
  ["organizationId"],
  (_db, p) =>
    sql`insert into ${fenceTrips} (organization_id, state) select organization_id, state from ${organizationFences} where organization_id = ${p.organizationId}`,
);

/**
 * `fence` (a `writeFence`) that also fails its batch when `trip`, a select of (organization id,
 * state) rows, gives one: its state names the CHECK of `fenceTrips` that fails. One statement
 * still opens the batch, and the fence's own row, first, decides the error when there are both.
 */
export const fenceWithTrip = (fence: Statement, trip: Statement): Statement => ({
  sql: `${fence.sql} union all select * from (${trip.sql})`,
  params: [...fence.params, ...trip.params],
});

/** The organization's fence on this shard, by its primary key: no row when there is none. */
export const fenceSelect = (db: Database, organizationId: Placeholder | string) =>
  db
    .select({
      state: sql`${organizationFences.state}`.as("fence_state"),
      movedTo: sql`${organizationFences.movedTo}`.as("fence_moved_to"),
    })
    .from(organizationFences)
    .where(eq(organizationFences.organizationId, organizationId));

/** `fenceSelect`, rendered once: the check a read carries (see `readFence`). */
export const fenceQuery = renderedOnce(["organizationId"], (db, p) =>
  fenceSelect(db, p.organizationId),
);

/**
 * For work over a whole shard (the scheduled sweeps): only the rows of organizations this shard
 * serves freely. A frozen organization's rows are being copied and must not change; a moved one's
 * are a copy waiting to be deleted.
 */
export const unfenced = (organizationId: SQLWrapper) =>
  sql`not exists (select 1 from ${organizationFences} where ${organizationFences.organizationId} = ${organizationId})`;

/** Rows of organizations this shard has not handed to another (a copy, or leftovers of one). */
export const notMovedAway = (organizationId: SQLWrapper) =>
  sql`not exists (select 1 from ${organizationFences} where ${organizationFences.organizationId} = ${organizationId} and ${organizationFences.state} = 'moved')`;

/** The fence in a row that carries `fence_state` and `fence_moved_to` (see `fenceQuery`). */
export function readFence(row: Record<string, unknown> | undefined): Fence | undefined {
  const state = row?.fence_state as FenceState | null | undefined;
  if (!state) return undefined;
  return { state, movedTo: (row?.fence_moved_to as string | null) ?? null };
}

/**
 * Thrown when the shard a request reached no longer serves its organization (an isolate's cache
 * older than the move): the request is sent again, to `movedTo` (request-context.ts).
 */
export class OrganizationMoved extends Error {
  constructor(
    readonly organizationId: string,
    readonly movedTo: string | null,
  ) {
    super(`Organization ${organizationId} has moved to ${movedTo ?? "another shard"}`);
    this.name = "OrganizationMoved";
  }
}

/** Refuses what the fence refuses: a write while frozen, anything once moved. */
export function refuseIfFenced(
  organizationId: string,
  fence: Fence | undefined,
  writing: boolean,
): void {
  if (fence?.state === "moved") throw new OrganizationMoved(organizationId, fence.movedTo);
  if (fence?.state === "frozen" && writing) throw organizationFrozen();
}
