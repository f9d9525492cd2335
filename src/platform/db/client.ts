import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";

/** Drizzle over a D1 handle. */
export type Database = DrizzleD1Database & { $client: D1Database };

/**
 * Drizzle over a binding, for work that is not a request's (the import Worker, scripts). No
 * relational schema is registered: queries use the core builder, so creating it costs next to
 * nothing. A request's database is `openRequestDatabase` (request-database.ts).
 */
export const createDatabase = (d1: D1Database): Database => drizzle(d1);

/**
 * The database holding an organization's data, for work outside a request (queue consumers,
 * scheduled jobs). One today; when tenants spread over several, this is where one is chosen.
 */
export const tenantDatabase = (env: Env, _organizationId: string): Database => drizzle(env.DB);

/**
 * The D1 bindings holding tenant data, by the configuration's convention (docs/sharding.md):
 * `DB`, the first shard, then every `SHARD_<NAME>` binding, in name order.
 */
export function shardBindings(env: Env): [string, D1Database][] {
  const shards = Object.entries(env as unknown as Record<string, unknown>)
    .filter(([name]) => /^SHARD_[A-Z0-9_]+$/.test(name))
    .sort(([a], [b]) => a.localeCompare(b)) as [string, D1Database][];
  return [["DB", env.DB], ...shards];
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
