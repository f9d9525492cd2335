import { defineConfig } from "drizzle-kit";

// drizzle-kit writes SQL straight into the folder wrangler applies (`migrations_dir` in
// wrangler.toml), so there is one migration history for local, test and production.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/platform/db/schema.ts",
  out: "./migrations",
  strict: true,
  verbose: true,
});
