/**
 * `npm run bench:platform [-- --rounds N --seconds S]`: what the local runtime (`wrangler dev`)
 * charges for each platform service the API uses per request, whatever code the Worker runs.
 *
 * Baseline (b)'s GET snapshot (the statement the API sends, nothing else; ./servers.ts) is
 * served as is, then with one more service at a time (switched by vars): static assets in front
 * (as the API has them for /docs), a Rate Limiting binding call, a D1 session (that is baseline
 * (c)); then the API's own GET snapshot. Each variant is measured alternately with baseline (b) on a copy of the same
 * demo data, so the ratios see the same machine. A row's ratio is the ceiling for any Worker
 * that uses those services under `wrangler dev` on this machine.
 *
 * Each round also counts the runtime's CPU per request (the Worker's `workerd` process, from
 * /proc: ./runtime-cpu.ts) over a fixed number of requests, for the variant and for baseline (b):
 * what each service costs in µs, steadier than requests per second on a 2-core machine where the
 * load generator takes its share of the cores.
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
import { cpuMs, userWorkerd } from "./runtime-cpu";
import { BARE, floorVars, WITH_SERVICES } from "./servers";

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "6" },
    requests: { type: "string", default: "2000" },
  },
});
const ROUNDS = Number(options.rounds);
const SECONDS = Number(options.seconds);
const REQUESTS = Number(options.requests);
if (!(ROUNDS >= 1 && SECONDS >= 1 && REQUESTS >= 100)) {
  throw new Error("--rounds and --seconds: numbers ≥ 1; --requests: ≥ 100");
}
const PORT = 8799;
const CONNECTIONS = 8;
const PLAIN = BARE.config;
const ASSETS = WITH_SERVICES.config;

async function requestsPerSecond(url: string, headers: Record<string, string> = {}) {
  const check = await fetch(url, { headers });
  if (check.status !== 200) throw new Error(`${url}: ${check.status} ${await check.text()}`);
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 1 }); // warm-up
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS });
  const errors = result.errors + result.timeouts + result.non2xx;
  if (errors > 0) throw new Error(`${url}: ${errors} errors`);
  return result.requests.average;
}

/** µs of the runtime's CPU (process `pid`) per request over REQUESTS requests; undefined without /proc. */
async function cpuPerRequest(
  pid: number | undefined,
  url: string,
  headers: Record<string, string> = {},
) {
  if (pid === undefined) return undefined;
  const before = cpuMs(pid);
  await autocannon({ url, headers, connections: CONNECTIONS, amount: REQUESTS });
  return ((cpuMs(pid) - before) * 1000) / REQUESTS;
}

const µs = (value: number | undefined) => (value === undefined ? "n/a" : Math.round(value));

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
    config: BARE.config,
    vars: floorVars(BARE),
  });
  const floorRuntime = userWorkerd(floor.pid, PORT + 1);
  const rows: string[] = [];
  try {
    const path = `/api/training/snapshots/${SNAPSHOT}`;
    for (const variant of variants) {
      const secret = randomJwtSecret();
      const server = await startLocalServer({
        persist: ours,
        port: PORT,
        config: variant.api ? apiConfig : variant.config,
        vars: variant.api
          ? { JWT_SECRET: secret }
          : floorVars({ config: variant.config, vars: variant.vars }),
      });
      try {
        const headers = variant.api
          ? { authorization: `Bearer ${await loginToken(server.url)}` }
          : undefined;
        // The Worker's runtime process: found once per server, it lives as long as the server.
        const runtime = userWorkerd(server.pid, PORT);
        const ratios: number[] = [];
        const cpu: { mine: number[]; base: number[] } = { mine: [], base: [] };
        for (let round = 1; round <= ROUNDS; round++) {
          const mine = await requestsPerSecond(`${server.url}${path}`, headers);
          const base = await requestsPerSecond(`${floor.url}${path}`);
          ratios.push(mine / base);
          const mineCpu = await cpuPerRequest(runtime, `${server.url}${path}`, headers);
          const baseCpu = await cpuPerRequest(floorRuntime, `${floor.url}${path}`);
          if (mineCpu !== undefined && baseCpu !== undefined) {
            cpu.mine.push(mineCpu);
            cpu.base.push(baseCpu);
          }
          console.log(
            `  ${variant.name} (round ${round}): ${Math.round(mine)} ÷ ${Math.round(base)} req/s = ${(mine / base).toFixed(2)}; runtime CPU ${µs(mineCpu)} vs ${µs(baseCpu)} µs/request`,
          );
        }
        const sorted = [...ratios].sort((a, b) => a - b);
        const cpuCells = cpu.mine.length
          ? `${µs(median(cpu.mine))} | ${µs(median(cpu.base))} | ${µs(median(cpu.mine) - median(cpu.base))}`
          : "n/a | n/a | n/a";
        rows.push(
          `| ${variant.name} | ${median(ratios).toFixed(2)} | ${sorted[0]?.toFixed(2)}–${sorted[sorted.length - 1]?.toFixed(2)} | ${cpuCells} |`,
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
    `\n| GET snapshot (demo data), cumulative | req/s ÷ baseline (b), median | range | runtime CPU µs/request, median | baseline (b) same rounds | difference |\n|---|---|---|---|---|---|\n${rows.join("\n")}`,
  );
  console.log(`\nbench:platform: done in ${Math.round((Date.now() - started) / 1000)} s`);
}

await main();
