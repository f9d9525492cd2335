import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { shardBindings, shardOf } from "../../src/platform/db/shards";

// Storage is isolated per test file: each file starts from the real migrations on every tenant
// shard, plus the demo seed in the first (DB).
for (const [, d1] of shardBindings(env)) await applyD1Migrations(d1, env.TEST_MIGRATIONS);
await env.DB.batch(env.TEST_SEED.map((statement) => env.DB.prepare(statement)));

// The isolate knows the seeded organizations' shards, as a warm isolate does: tests that count a
// request's round trips count the request's own, not the directory's first lookup.
for (const organizationId of ["65a0e0e0e0e0e0e0e0e0e0e0", "66b0e0e0e0e0e0e0e0e0e0e0"]) {
  await shardOf(env, organizationId);
}
