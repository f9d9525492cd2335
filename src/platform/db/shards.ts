import { TtlCache } from "../util/ttl-cache";
import type { RoundTrip } from "./timing";

/*
 * Tenant shards (docs/sharding.md). Every D1 binding named DB or SHARD_<NAME> holds tenant data;
 * the directory (DB) says on which one each organization lives (`organizations.shard`). A request
 * reaches its organization's shard through a per-isolate cache of the directory: a query only
 * when an isolate first meets an organization, or after the cache's lifetime.
 */

/** The bindings holding tenant data: `DB` first, then every `SHARD_<NAME>` in name order. */
export function shardBindings(env: Env): [string, D1Database][] {
  const shards = Object.entries(env as unknown as Record<string, unknown>)
    .filter(([name]) => /^SHARD_[A-Z0-9_]+$/.test(name))
    .sort(([a], [b]) => a.localeCompare(b)) as [string, D1Database][];
  return [["DB", env.DB], ...shards];
}

/** How long an isolate trusts what the directory said of an organization. */
const SHARD_CACHE_MS = 5 * 60_000;
const shardOfOrganization = new TtlCache<string, string>(10_000);

export interface Shard {
  binding: string;
  d1: D1Database;
}

/**
 * The shard of an organization: from the cache, else from the directory. An organization the
 * directory does not know is looked for in DB (whatever is asked of it there finds nothing). A
 * binding the directory names but the Worker lacks is a deployment error, never a fallback.
 * `roundTrip` times the directory's query as one of the request's.
 */
export async function shardOf(
  env: Env,
  organizationId: string,
  roundTrip: RoundTrip = (operation) => operation(),
  now = Date.now(),
): Promise<Shard> {
  let binding = shardOfOrganization.get(organizationId, SHARD_CACHE_MS, now);
  if (binding === undefined) {
    // `*`, not `shard`: a database not yet migrated to shards (a Worker deployed before its
    // migration ran) answers rows without the column, and every organization is then on DB.
    const row = await roundTrip(() =>
      env.DB.prepare("select * from organizations where id = ?")
        .bind(organizationId)
        .first<{ shard?: string }>(),
    );
    binding = row?.shard ?? "DB";
    shardOfOrganization.set(organizationId, binding, now);
  }
  const d1 = (env as unknown as Record<string, D1Database | undefined>)[binding];
  if (binding !== "DB" && !/^SHARD_[A-Z0-9_]+$/.test(binding)) d1Missing(binding);
  if (!d1) d1Missing(binding);
  return { binding, d1 };
}

function d1Missing(binding: string): never {
  throw new Error(`The directory names shard ${binding}, which this Worker has no D1 binding for`);
}

/** What this isolate knows of an organization's shard from a shard itself (a move's fence). */
export function rememberShard(organizationId: string, binding: string, now = Date.now()): void {
  shardOfOrganization.set(organizationId, binding, now);
}

/** Where a shard says an organization it no longer serves has moved (its fence), if it does. */
export async function movedTo(d1: D1Database, organizationId: string): Promise<string | null> {
  const row = await d1
    .prepare(
      "select moved_to from organization_fences where organization_id = ? and state = 'moved'",
    )
    .bind(organizationId)
    .first<{ moved_to: string | null }>();
  return row?.moved_to ?? null;
}
