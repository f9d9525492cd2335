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
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
    },
  };
});
