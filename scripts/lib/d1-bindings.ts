import { readFileSync } from "node:fs";
import { parse } from "smol-toml";

/**
 * The D1 bindings a wrangler config declares (of `env` when named), in order: `DB` (the
 * directory and the first shard) first, then every `SHARD_<NAME>`. Migrations go to each.
 */
export function d1Bindings(config = "wrangler.toml", env?: string): string[] {
  const parsed = parse(readFileSync(config, "utf8")) as Record<string, unknown> & {
    env?: Record<string, Record<string, unknown>>;
  };
  const scope = env ? parsed.env?.[env] : parsed;
  if (!scope) throw new Error(`${config} has no environment "${env}"`);
  const bindings = ((scope.d1_databases ?? []) as { binding: string }[]).map((d) => d.binding);
  if (!bindings.includes("DB")) throw new Error(`${config} binds no D1 database as DB`);
  return bindings;
}
