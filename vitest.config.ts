import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { seedStatements } from "./scripts/seed/statements";

/** A fixed secret for tests, so tests can mint tokens (good and deliberately bad ones). */
export const TEST_JWT_SECRET = "test-secret-0123456789abcdef0123456789abcdef";

export default defineConfig(async () => {
  // Read in Node, handed to the workerd tests as bindings: the real migrations, then the real seed.
  const migrations = await readD1Migrations("./migrations");
  const seed = await seedStatements();
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_SEED: seed,
            JWT_SECRET: TEST_JWT_SECRET,
            // Request lines would drown the test output; the log test turns them back on.
            LOG_LEVEL: "error",
            // Failed logins are counted in D1, shared by every test of a file; the lockout
            // tests set their own limit.
            LOGIN_FAILURE_LIMIT: "1000000",
          },
          // Events go to a queue without a consumer: the tests run the consumer themselves, with
          // a receiver of their own, instead of it calling hooks.example.com in the background.
          queueProducers: { WEBHOOK_QUEUE: { queueName: "edge-conversations-webhooks-tests" } },
          // A second database, for the migration tests: migrated step by step, not by the setup.
          // SHARD_B comes from wrangler.toml; SHARD_C makes the tests' third tenant shard.
          d1Databases: { LEGACY_DB: "legacy-db", SHARD_C: "edge-conversations-api-shard-c" },
          // Tests send thousands of requests with the demo credentials; the rate-limit tests
          // use their own limiter bindings.
          ratelimits: {
            API_RATE_LIMITER: { namespace_id: "1001", simple: { limit: 1_000_000, period: 60 } },
            KEY_FAILURE_LIMITER: { namespace_id: "1003", simple: { limit: 1_000_000, period: 60 } },
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup/apply-migrations.ts", "./test/setup/contract.ts"],
      include: ["test/**/*.test.ts"],
      // Files, and the tests of each file, run in a random order, so a test that leans on what
      // another left behind fails. Vitest prints the seed ("Running tests with seed …"); the same
      // order again: `npx vitest run --sequence.seed=<seed>` (one file: add its path).
      sequence: { shuffle: { files: true, tests: true } },
    },
  };
});
