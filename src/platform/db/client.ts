import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { organizationFrozen } from "../errors/faults";
import { fenceQuery, OrganizationMoved, readFence } from "./fences";
import { openRequestDatabase } from "./request-database";
import { rememberShard, shardBindings, shardOf } from "./shards";

/** Drizzle over a D1 handle. */
export type Database = DrizzleD1Database & { $client: D1Database };

/**
 * Drizzle over a binding, for work that is not a request's (the import Worker, scripts). No
 * relational schema is registered: queries use the core builder, so creating it costs next to
 * nothing. A request's database is `openRequestDatabase` (request-database.ts).
 */
export const createDatabase = (d1: D1Database): Database => drizzle(d1);

/**
 * The database holding an organization's data, for work outside a request (queue consumers):
 * its shard, from the directory (shards.ts) or from the fence of a shard it has moved from, its
 * writes fenced as a request's are (fences.ts). While the organization is being moved, this
 * throws (503-shaped), and the work is retried later.
 */
export async function tenantDatabase(env: Env, organizationId: string): Promise<Database> {
  let shard = await shardOf(env, organizationId);
  const check = fenceQuery({ organizationId });
  for (let hops = 0; ; hops++) {
    const fence = readFence(
      (await shard.d1
        .prepare(check.sql)
        .bind(...check.params)
        .first()) ?? undefined,
    );
    if (!fence) return openRequestDatabase(shard.d1, undefined, organizationId);
    if (fence.state === "frozen") throw organizationFrozen();
    if (!fence.movedTo || hops > 0) throw new OrganizationMoved(organizationId, fence.movedTo);
    rememberShard(organizationId, fence.movedTo);
    shard = await shardOf(env, organizationId);
  }
}

/** Every database holding tenant data: what scheduled jobs visit. */
export const tenantDatabases = (env: Env): Database[] =>
  shardBindings(env).map(([, d1]) => drizzle(d1));

/**
 * What one statement answers, sent as a batch of one: a check the request's database holds for
 * its next round trip (a session's freshness) rides along, as it does with any batch.
 */
export async function answerOf<Q extends BatchItem<"sqlite">>(
  db: Database,
  statement: Q,
): Promise<BatchResponse<[Q]>[0]> {
  const [answer] = await db.batch([statement]);
  return answer;
}
