import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      TEST_SEED: string[];
      /** Empty at the start of each file; migration tests apply migrations to it one by one. */
      LEGACY_DB: D1Database;
      /** A third tenant shard: the tests run with three (DB, SHARD_B, SHARD_C). */
      SHARD_C: D1Database;
    }
  }
}
