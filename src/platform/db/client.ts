import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { shardBindings, shardOf } from "./shards";

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
 * its shard, from the directory (shards.ts).
 */
export const tenantDatabase = async (env: Env, organizationId: string): Promise<Database> =>
  drizzle((await shardOf(env, organizationId)).d1);

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
