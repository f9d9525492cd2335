/**
 * `npm run bench:platform [-- --rounds N --seconds S]`: what the local runtime (`wrangler dev`)
 * charges for each platform service the API uses per request, whatever code the Worker runs.
 *
 * Baseline (b)'s GET snapshot (one hand-written statement building the JSON in SQLite) is served
 * as is, then with one more service at a time (bench/baselines/platform.js, switched by vars):
 * static assets in front (as the API has them for /docs), a Rate Limiting binding call, a D1
 * session, a second statement in the same batch (the API's freshness check); then the API's own
 * GET snapshot. Each variant is measured alternately with baseline (b) on a copy of the same
 * demo data, so the ratios see the same machine. A row's ratio is the ceiling for any Worker
 * that uses those services under `wrangler dev` on this machine.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { randomJwtSecret } from "../../src/platform/secrets";
import { loginToken, prepareState, startLocalServer, unthrottledConfig } from "../lib/local-server";
import { SNAPSHOT } from "../seed/demo-data";
import { median } from "./median";

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "6" },
  },
});
const ROUNDS = Number(options.rounds);
const SECONDS = Number(options.seconds);
if (!(ROUNDS >= 1 && SECONDS >= 1)) throw new Error("--rounds and --seconds: numbers ≥ 1");
const PORT = 8799;
const CONNECTIONS = 8;
const PLAIN = "bench/baselines/wrangler.platform.toml";
const ASSETS = "bench/baselines/wrangler.platform-assets.toml";

async function requestsPerSecond(url: string, headers: Record<string, string> = {}) {
  const check = await fetch(url, { headers });
  if (check.status !== 200) throw new Error(`${url}: ${check.status} ${await check.text()}`);
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 1 }); // warm-up
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS });
  const errors = result.errors + result.timeouts + result.non2xx;
  if (errors > 0) throw new Error(`${url}: ${errors} errors`);
  return result.requests.average;
}

interface Variant {
  name: string;
  config: string;
  vars: Record<string, string>;
  api?: boolean;
}

const variants: Variant[] = [
  { name: "baseline (b) again (the noise floor)", config: PLAIN, vars: {} },
  { name: "+ static assets in front (run_worker_first)", config: ASSETS, vars: {} },
  { name: "+ Rate Limiting binding call", config: ASSETS, vars: { LIMIT: "1" } },
  { name: "+ D1 session (withSession)", config: ASSETS, vars: { LIMIT: "1", SESSION: "1" } },
  {
    name: "+ a second statement in the batch",
    config: ASSETS,
    vars: { LIMIT: "1", SESSION: "1", PRELUDE: "1" },
  },
  { name: "the API: GET snapshot (default configuration)", config: "", vars: {}, api: true },
];

async function main() {
  const started = Date.now();
  const cpu = cpus();
  console.log(
    `bench:platform: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; ${ROUNDS} rounds of ${SECONDS} s per variant, ${CONNECTIONS} connections, alternating with baseline (b)`,
  );
  const root = mkdtempSync(join(tmpdir(), "bench-platform-"));
  const apiConfig = unthrottledConfig(root);
  const ours = join(root, "ours");
  const theirs = join(root, "baseline");
  console.log("preparing the demo data (migrations + seed)…");
  await prepareState(ours, apiConfig);
  cpSync(ours, theirs, { recursive: true });
  const floor = await startLocalServer({
    persist: theirs,
    port: PORT + 1,
    config: "bench/baselines/wrangler.floor.toml",
  });
  const rows: string[] = [];
  try {
    const path = `/api/training/snapshots/${SNAPSHOT}`;
    for (const variant of variants) {
      const secret = randomJwtSecret();
      const server = await startLocalServer({
        persist: ours,
        port: PORT,
        config: variant.api ? apiConfig : variant.config,
        vars: variant.api ? { JWT_SECRET: secret } : variant.vars,
      });
      try {
        const headers = variant.api
          ? { authorization: `Bearer ${await loginToken(server.url)}` }
          : undefined;
        const ratios: number[] = [];
        for (let round = 1; round <= ROUNDS; round++) {
          const mine = await requestsPerSecond(`${server.url}${path}`, headers);
          const base = await requestsPerSecond(`${floor.url}${path}`);
          ratios.push(mine / base);
          console.log(
            `  ${variant.name} (round ${round}): ${Math.round(mine)} ÷ ${Math.round(base)} = ${(mine / base).toFixed(2)}`,
          );
        }
        const sorted = [...ratios].sort((a, b) => a - b);
        rows.push(
          `| ${variant.name} | ${median(ratios).toFixed(2)} | ${sorted[0]?.toFixed(2)}–${sorted[sorted.length - 1]?.toFixed(2)} |`,
        );
      } finally {
        await server.stop();
      }
    }
  } finally {
    await floor.stop();
    rmSync(root, { recursive: true, force: true });
  }
  console.log(
    `\n| GET snapshot (demo data), cumulative | ÷ baseline (b), median | range |\n|---|---|---|\n${rows.join("\n")}`,
  );
  console.log(`\nbench:platform: done in ${Math.round((Date.now() - started) / 1000)} s`);
}

await main();
