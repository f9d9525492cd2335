import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { shardBindings } from "../../src/platform/db/client";

// Storage is isolated per test file: each file starts from the real migrations on every tenant
// shard, plus the demo seed in the first (DB).
for (const [, d1] of shardBindings(env)) await applyD1Migrations(d1, env.TEST_MIGRATIONS);
await env.DB.batch(env.TEST_SEED.map((statement) => env.DB.prepare(statement)));
