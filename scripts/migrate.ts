/**
 * `npm run db:migrate:local` / `db:migrate:remote`: the migrations (migrations/) applied to every
 * D1 database of wrangler.toml, the directory and each tenant shard, one after the other. Each
 * is reported as it goes; the first failure stops the run (exit 1) and names the database, so
 * no shard is left a version behind silently. Options after `--`: `--remote`, `--env <name>`,
 * `--config <file>`, `--persist-to <dir>` (local state elsewhere).
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { d1Bindings } from "./lib/d1-bindings";

const { values } = parseArgs({
  options: {
    remote: { type: "boolean", default: false },
    env: { type: "string" },
    config: { type: "string" },
    "persist-to": { type: "string" },
  },
});

const bindings = d1Bindings(values.config, values.env);
const where = values.remote ? "--remote" : "--local";
const shared = [
  where,
  ...(values.env ? ["--env", values.env] : []),
  ...(values.config ? ["--config", values.config] : []),
  ...(values["persist-to"] ? ["--persist-to", values["persist-to"]] : []),
];
bindings.forEach((binding, i) => {
  console.log(`migrate: ${i + 1}/${bindings.length} ${binding} (${where.slice(2)})`);
  try {
    // CI=1 answers wrangler's "apply migrations?" prompt: applying them is the point here.
    execFileSync("wrangler", ["d1", "migrations", "apply", binding, ...shared], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, CI: "1" },
    });
  } catch {
    console.error(
      `migrate: ${binding} failed; ${bindings.slice(i + 1).join(", ") || "no other database"} not attempted`,
    );
    process.exit(1);
  }
});
console.log(`migrate: ${bindings.length} databases at the latest migration`);
