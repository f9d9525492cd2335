/**
 * `npm run dev`: everything a fresh clone needs, then the dev server on http://localhost:8787.
 * 1. .dev.vars from .dev.vars.example when missing, with a random JWT_SECRET (also written when
 *    the one there is missing, published or weak);
 * 2. local D1 migrations, on every database (scripts/migrate.ts); 3. the demo seed; 4. Swagger UI's files for /docs; 5. `wrangler dev`.
 */
import { execFileSync, spawn } from "node:child_process";
import { ensureDevVars } from "./lib/dev-vars";

ensureDevVars();

// The migrations, to every local database: the directory and each shard.
execFileSync("tsx", ["scripts/migrate.ts"], { stdio: ["ignore", "inherit", "inherit"] });
execFileSync("tsx", ["scripts/seed.ts"], { stdio: ["ignore", "inherit", "inherit"] });
execFileSync("tsx", ["scripts/docs-assets.ts"], { stdio: ["ignore", "inherit", "inherit"] });

const port = process.env.PORT ?? "8787";
const server = spawn("wrangler", ["dev", "--port", port, ...process.argv.slice(2)], {
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => server.kill(signal));
}
server.on("exit", (code) => process.exit(code ?? 0));
