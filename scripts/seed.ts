/**
 * `npm run seed`: writes the demo data (docs/demo-data.md) as SQL (.wrangler/seed.sql, to read or diff)
 * and applies it to the local D1 with `wrangler d1 execute --local`. Idempotent.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { seedStatements } from "./seed/statements";

const out = ".wrangler/seed.sql";
const statements = await seedStatements();
mkdirSync(".wrangler", { recursive: true });
writeFileSync(out, `${statements.join("\n")}\n`);
console.log(`seed: ${statements.length} statements written to ${out}`);

execFileSync("wrangler", ["d1", "execute", "DB", "--local", "--file", out], {
  stdio: ["ignore", "inherit", "inherit"],
});
