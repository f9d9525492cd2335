/**
 * `npm run bench [-- --quick]`: the read path under load, against baseline Workers, on generated data.
 *
 * 1. Builds two local D1 datasets in a temporary folder (small and large; see SIZES).
 * 2. For each, serves the API with `wrangler dev` on that state and drives every read endpoint
 *    with autocannon (throughput, p50, p99), one server at a time so nothing else competes.
 * 3. The scale targets, paired: both datasets served side by side and measured alternately
 *    (p50 at the large size ÷ p50 at the small one), then page 1 and page 500 of each list on
 *    the large one alternately; median of ROUNDS rounds.
 * 4. On the large dataset, serves and measures the same way (a) a Worker returning fixed JSON
 *    (the harness ceiling); then the API and (b) a Worker answering GET snapshot and GET
 *    conversation with the statement the API sends for each, rendered from the app's code at
 *    start (the floor of the work), and (c) the same Worker with the platform services the API uses on every
 *    request (static assets in front, a Rate Limiting call, a D1 session): side by side on copies
 *    of the data, alternating API, (b) and (c) for ROUNDS rounds. The targets are the median of
 *    the rounds' ratios; ÷ (c) is what this repository's code can move, ÷ (b) includes what the
 *    local runtime charges for those services (see BENCHMARKS.md).
 * 5. Prints the tables, writes scripts/bench/results/latest.json and the tables in BENCHMARKS.md.
 */
import { execSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { randomJwtSecret } from "../../src/platform/secrets";
import { loginToken, startLocalServer, unthrottledConfig } from "../lib/local-server";
import { buildDataset, type DatasetSize, FIXED } from "./dataset";
import { median } from "./median";
import { BARE, FIXED_JSON, type Floor, floorVars, WITH_SERVICES } from "./servers";

const quick = process.argv.includes("--quick");
const SIZES: { label: string; size: DatasetSize }[] = quick
  ? [
      { label: "1k", size: { conversations: 1_000, messagesPer: 10, snapshots: 1_000 } },
      { label: "12k", size: { conversations: 12_000, messagesPer: 10, snapshots: 12_000 } },
    ]
  : [
      { label: "1k", size: { conversations: 1_000, messagesPer: 10, snapshots: 1_000 } },
      { label: "100k", size: { conversations: 100_000, messagesPer: 10, snapshots: 100_000 } },
    ];
const DURATION_S = quick ? 4 : 15;
/** Alternating rounds of the API against baseline (b). */
const ROUNDS = 3;
const CONNECTIONS = 8;
const PORT = 8799;
const SECRET = randomJwtSecret();
const API_KEY = "dev_acme_0123456789abcdef0123456789abcdef";
const WORKSPACE = "65a0e0e0e0e0e0e0e0e0e0e0";
const _ALICE = "65b1f0a2c3d4e5f6a7b8c9d0";
/** The Conversations API's credentials: the demo key and its workspace. */
const KEY_HEADERS = { "x-api-key": API_KEY, "x-workspace-id": WORKSPACE };

interface Measurement {
  name: string;
  dataset: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

/** One round of an endpoint of ours and the same request to baselines (b) and (c), back to back. */
interface Pair {
  name: string;
  round: number;
  ours: Measurement;
  base: Measurement;
  services: Measurement;
}

/** A measurement with each figure the median of several (the rounds of one endpoint). */
const medianOf = (ms: Measurement[], name: string, dataset: string): Measurement => ({
  name,
  dataset,
  requestsPerSecond: Math.round(median(ms.map((m) => m.requestsPerSecond))),
  p50Ms: median(ms.map((m) => m.p50Ms)),
  p99Ms: median(ms.map((m) => m.p99Ms)),
  requests: ms.reduce((n, m) => n + m.requests, 0),
  errors: ms.reduce((n, m) => n + m.errors, 0),
});

let apiConfig = "";

/** The API (unthrottled, with the bench secret) or a baseline Worker (its own config). */
const startServer = (persist: string | undefined, config?: string, port = PORT, vars = {}) =>
  startLocalServer({
    persist,
    port,
    config: config ?? apiConfig,
    // The default configuration (wrangler.toml [vars]), with the bench's own secret.
    vars: config ? vars : { JWT_SECRET: SECRET },
  });

const startFloor = (persist: string, floor: Floor, port: number) =>
  startServer(persist, floor.config, port, floorVars(floor));

async function measure(
  name: string,
  dataset: string,
  path: string,
  headers: Record<string, string>,
  port = PORT,
): Promise<Measurement> {
  const url = `http://127.0.0.1:${port}${path}`;
  const check = await fetch(url, { headers });
  if (check.status !== 200) throw new Error(`${name}: ${check.status} ${await check.text()}`);
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 1 }); // warm-up
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_S });
  const m: Measurement = {
    name,
    dataset,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  };
  console.log(
    `  ${name.padEnd(34)} ${String(m.requestsPerSecond).padStart(6)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms${m.errors ? `  (${m.errors} errors)` : ""}`,
  );
  return m;
}

/** Follows a list's cursors (JSON or Link) to the given page; returns that page's path. */
async function pathOfPage(
  first: string,
  page: number,
  headers: Record<string, string>,
  next: (response: Response, body: unknown) => string | null,
): Promise<string | null> {
  let path: string | null = first;
  for (let i = 1; i < page && path; i++) {
    const response = await fetch(`http://127.0.0.1:${PORT}${path}`, { headers });
    path = next(response, await response.json());
  }
  return path;
}

function machine() {
  const cpu = cpus();
  let workerd = "unknown";
  try {
    workerd = execSync("workerd --version", { encoding: "utf8" }).trim();
  } catch {
    // reported as unknown
  }
  return {
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    workerd,
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    durationSeconds: DURATION_S,
    connections: CONNECTIONS,
  };
}

async function main() {
  const started = Date.now();
  const root = mkdtempSync(join(tmpdir(), "bench-"));
  apiConfig = unthrottledConfig(root);
  const key = KEY_HEADERS;
  const results: Measurement[] = [];
  /** The deep pages' paths (cursors) per dataset, for the paired scale rounds. */
  const deepPages = new Map<string, { snapshots: string | null; conversations: string | null }>();

  for (const { label, size } of SIZES) {
    const persist = join(root, label);
    await buildDataset(persist, size);
    console.log(`\nAPI on ${label} rows per table`);
    const server = await startServer(persist);
    try {
      // A session in this dataset's database. Access tokens live 15 minutes by default; the
      // runs of one dataset take a few.
      const bearer = { authorization: `Bearer ${await loginToken(server.url)}` };
      const snapshotsPage500 = await pathOfPage(
        "/api/training/snapshots?limit=20",
        500,
        bearer,
        (_, body) => {
          const cursor = (body as { pagination: { nextCursor: string | null } }).pagination
            .nextCursor;
          return cursor ? `/api/training/snapshots?limit=20&cursor=${cursor}` : null;
        },
      );
      const conversationsPage500 = await pathOfPage(
        "/v1/api/conversations?limit=20",
        500,
        key,
        (response) => {
          const link = /<https?:\/\/[^/]+([^>]+)>/.exec(response.headers.get("link") ?? "");
          return link?.[1] ?? null;
        },
      );
      const plan: [string, string, Record<string, string>][] = [
        ["GET snapshot (10 messages)", `/api/training/snapshots/${FIXED.snapshot10}`, bearer],
        ["GET snapshot (1,000 messages)", `/api/training/snapshots/${FIXED.snapshot1000}`, bearer],
        ["GET conversation (10 messages)", `/v1/api/conversations/${FIXED.conversation10}`, key],
        ["list snapshots, page 1", "/api/training/snapshots?limit=20", bearer],
        ["list conversations, page 1", "/v1/api/conversations?limit=20", key],
      ];
      deepPages.set(label, { snapshots: snapshotsPage500, conversations: conversationsPage500 });
      if (snapshotsPage500) plan.push(["list snapshots, page 500", snapshotsPage500, bearer]);
      if (conversationsPage500)
        plan.push(["list conversations, page 500", conversationsPage500, key]);
      for (const [name, path, headers] of plan)
        results.push(await measure(name, label, path, headers));
    } finally {
      await server.stop();
    }
  }

  const large = SIZES.at(-1) as (typeof SIZES)[number];
  const largePersist = join(root, large.label);
  const scale = await scaleRounds(root, deepPages.get(large.label));
  console.log(`\nBaselines on ${large.label} rows per table`);
  const fixed = await startServer(undefined, FIXED_JSON);
  try {
    results.push(await measure("baseline (a): fixed JSON", large.label, "/", {}));
  } finally {
    await fixed.stop();
  }
  // The API and baseline (b) side by side, on copies of the same data, measured alternately
  // (API, floor, API, floor…) so that both see the same machine: on 2 shared cores, runs minutes
  // apart differ by up to ±40 %, which a ratio of two such runs would inherit.
  const floorPersist = join(root, "floor");
  const servicesPersist = join(root, "floor-services");
  cpSync(largePersist, floorPersist, { recursive: true });
  cpSync(largePersist, servicesPersist, { recursive: true });
  console.log(
    `\nPaired with baselines (b) and (c) on ${large.label} rows, alternating, ${ROUNDS} rounds`,
  );
  const api = await startServer(largePersist);
  const floor = await startFloor(floorPersist, BARE, PORT + 1);
  const withServices = await startFloor(servicesPersist, WITH_SERVICES, PORT + 2);
  const pairs: Pair[] = [];
  try {
    const bearer = { authorization: `Bearer ${await loginToken(api.url)}` };
    const cases: [string, string, Record<string, string>][] = [
      ["GET snapshot", `/api/training/snapshots/${FIXED.snapshot10}`, bearer],
      ["GET snapshot, 1,000 messages", `/api/training/snapshots/${FIXED.snapshot1000}`, bearer],
      ["GET conversation", `/v1/api/conversations/${FIXED.conversation10}`, key],
    ];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, path, headers] of cases) {
        const ours = await measure(`${name} (round ${round})`, large.label, path, headers);
        const base = await measure(
          `  baseline (b) (round ${round})`,
          large.label,
          path,
          {},
          PORT + 1,
        );
        const services = await measure(
          `  baseline (c) (round ${round})`,
          large.label,
          path,
          {},
          PORT + 2,
        );
        pairs.push({ name, round, ours, base, services });
      }
    }
  } finally {
    await api.stop();
    await floor.stop();
    await withServices.stop();
  }
  for (const [name, label] of [
    ["GET snapshot", "baseline (b): the API's statement"],
    ["GET snapshot, 1,000 messages", "baseline (b), 1,000 messages"],
    ["GET conversation", "baseline (b): conversation, the API's statement"],
  ] as const) {
    const mine = pairs.filter((p) => p.name === name);
    results.push(
      medianOf(
        mine.map((p) => p.base),
        label,
        large.label,
      ),
    );
    results.push(
      medianOf(
        mine.map((p) => p.services),
        label.replace("baseline (b)", "baseline (c), (b) + platform services"),
        large.label,
      ),
    );
  }
  rmSync(root, { recursive: true, force: true });

  const report = summarize(results, large.label, SIZES[0]?.label ?? "1k", pairs, scale);
  const output = { machine: machine(), results, ...report };
  writeFileSync("scripts/bench/results/latest.json", `${JSON.stringify(output, null, 2)}\n`);
  updateBenchmarksMd(output);
  console.log(`\n${report.table}\n${report.targets.join("\n")}`);
  console.log(`\nbench: done in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** One round of a scale target: the same request on the small and the large dataset, or page 1 and page 500. */
interface ScalePair {
  name: string;
  round: number;
  /** The reference: the small dataset, or page 1. */
  near: Measurement;
  /** The small dataset's request on the large one, or page 500. */
  far: Measurement;
}

/**
 * The scale targets, measured in pairs like the baselines: the small and the large dataset
 * served side by side and measured alternately, then page 1 and page 500 of each list
 * alternately, for ROUNDS rounds. A p50 of one run against a p50 of another minutes later
 * inherits the machine's drift (±40 % on 2 shared cores); the median of paired rounds does not.
 */
async function scaleRounds(
  root: string,
  deep: { snapshots: string | null; conversations: string | null } | undefined,
): Promise<ScalePair[]> {
  const small = SIZES[0] as (typeof SIZES)[number];
  const large = SIZES.at(-1) as (typeof SIZES)[number];
  console.log(
    `\nScale targets, paired: ${small.label} and ${large.label} side by side, alternating, ${ROUNDS} rounds`,
  );
  const near = await startServer(join(root, small.label), undefined, PORT + 3);
  const far = await startServer(join(root, large.label));
  const pairs: ScalePair[] = [];
  try {
    const key = KEY_HEADERS;
    const nearBearer = { authorization: `Bearer ${await loginToken(near.url)}` };
    const farBearer = { authorization: `Bearer ${await loginToken(far.url)}` };
    const acrossDatasets: [string, string, boolean][] = [
      ["GET snapshot (10 messages)", `/api/training/snapshots/${FIXED.snapshot10}`, true],
      ["GET conversation (10 messages)", `/v1/api/conversations/${FIXED.conversation10}`, false],
      ["list snapshots, page 1", "/api/training/snapshots?limit=20", true],
    ];
    const depths: [string, string, string | null | undefined, boolean][] = [
      ["list snapshots", "/api/training/snapshots?limit=20", deep?.snapshots, true],
      ["list conversations", "/v1/api/conversations?limit=20", deep?.conversations, false],
    ];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, path, training] of acrossDatasets) {
        const a = await measure(
          `${name}, ${small.label} (round ${round})`,
          small.label,
          path,
          training ? nearBearer : key,
          PORT + 3,
        );
        const b = await measure(
          `${name}, ${large.label} (round ${round})`,
          large.label,
          path,
          training ? farBearer : key,
        );
        pairs.push({
          name: `${name}: p50 at ${large.label} ÷ at ${small.label}`,
          round,
          near: a,
          far: b,
        });
      }
      for (const [name, first, page500, training] of depths) {
        if (!page500) continue;
        const headers = training ? farBearer : key;
        const a = await measure(`${name}, page 1 (round ${round})`, large.label, first, headers);
        const b = await measure(
          `${name}, page 500 (round ${round})`,
          large.label,
          page500,
          headers,
        );
        pairs.push({ name: `${name}: page 500 p50 ÷ page 1`, round, near: a, far: b });
      }
    }
  } finally {
    await near.stop();
    await far.stop();
  }
  return pairs;
}

function summarize(
  results: Measurement[],
  largeLabel: string,
  smallLabel: string,
  pairs: Pair[],
  scale: ScalePair[],
) {
  const find = (name: string, dataset = largeLabel) =>
    results.find((r) => r.name === name && r.dataset === dataset);
  const ceiling = find("baseline (a): fixed JSON");
  const floor = find("baseline (b): the API's statement");
  const ratio = (a?: number, b?: number) => (a && b ? (a / b).toFixed(2) : "n/a");
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.dataset} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${ratio(r.requestsPerSecond, floor?.requestsPerSecond)} | ${ratio(r.requestsPerSecond, ceiling?.requestsPerSecond)} | ${r.errors} |`,
  );
  const table = [
    "| endpoint | rows per table | req/s | p50 ms | p99 ms | ÷ (b) floor | ÷ (a) ceiling | errors |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");

  // Ours ÷ a baseline, round by round, and the median of the rounds.
  type Baseline = "base" | "services";
  const pairRatio = (p: Pair, baseline: Baseline) =>
    p.ours.requestsPerSecond / Math.max(p[baseline].requestsPerSecond, 1);
  const pairedRatio = (name: string, baseline: Baseline) => {
    const mine = pairs.filter((p) => p.name === name);
    return mine.length > 0 ? median(mine.map((p) => pairRatio(p, baseline))) : undefined;
  };
  const paired = [
    "",
    `Paired with baselines (b) and (c), alternating (${largeLabel} rows): req/s of ours ÷ req/s of each, round by round.`,
    "",
    "| endpoint | round | ours req/s | (b) req/s | ÷ (b) | (c) req/s | ÷ (c) | ours p50 ms | (b) p50 ms | (c) p50 ms |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...pairs.map(
      (p) =>
        `| ${p.name} | ${p.round} | ${p.ours.requestsPerSecond} | ${p.base.requestsPerSecond} | ${pairRatio(p, "base").toFixed(2)} | ${p.services.requestsPerSecond} | ${pairRatio(p, "services").toFixed(2)} | ${p.ours.p50Ms} | ${p.base.p50Ms} | ${p.services.p50Ms} |`,
    ),
  ].join("\n");
  const check = (label: string, ok: boolean | undefined, detail: string) =>
    `- ${ok === undefined ? "n/a" : ok ? "met" : "MISSED"}: ${label} (${detail})`;
  const scaleRatio = (p: ScalePair) => p.far.p50Ms / Math.max(p.near.p50Ms, 1);
  const scaleTable = [
    "",
    `Scale targets, paired (alternating ${smallLabel} with ${largeLabel}, and page 1 with page 500 of ${largeLabel}): p50 ÷ p50, round by round.`,
    "",
    "| target | round | reference p50 ms | p50 ms | ratio |",
    "|---|---|---|---|---|",
    ...scale.map(
      (p) =>
        `| ${p.name} | ${p.round} | ${p.near.p50Ms} | ${p.far.p50Ms} | ${scaleRatio(p).toFixed(2)} |`,
    ),
  ].join("\n");
  const pairedCheck = (name: string, baseline: Baseline, label: string) => {
    const r = pairedRatio(name, baseline);
    return check(label, r === undefined ? undefined : r >= 0.8, r?.toFixed(2) ?? "n/a");
  };
  const targets = [
    ...(["base", "services"] as const).flatMap((baseline) => {
      const b = baseline === "base" ? "(b)" : "(c)";
      return [
        pairedCheck(
          "GET snapshot",
          baseline,
          `GET snapshot ≥ 0.8 × baseline ${b}, paired (goal 0.9)`,
        ),
        pairedCheck(
          "GET conversation",
          baseline,
          `GET conversation ≥ 0.8 × its baseline ${b}, paired (goal 0.9)`,
        ),
        pairedCheck(
          "GET snapshot, 1,000 messages",
          baseline,
          `GET snapshot of 1,000 messages ≥ 0.8 × baseline ${b} on the same snapshot, paired`,
        ),
      ];
    }),
    ...[...new Set(scale.map((p) => p.name))].map((name) => {
      const r = median(scale.filter((p) => p.name === name).map(scaleRatio));
      return check(`${name} ≤ 1.2, paired`, r <= 1.2, r.toFixed(2));
    }),
  ];
  return { table: `${table}\n${paired}\n${scaleTable}`, targets };
}

function updateBenchmarksMd(output: {
  machine: ReturnType<typeof machine>;
  table: string;
  targets: string[];
}) {
  const file = "BENCHMARKS.md";
  const m = output.machine;
  const block = [
    "<!-- bench:start -->",
    `Last run: ${m.date} (\`npm run bench${m.mode === "quick" ? " -- --quick" : ""}\`), ${m.durationSeconds} s per endpoint, ${m.connections} connections, autocannon against \`wrangler dev\` on 127.0.0.1.`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}; ${m.workerd}.`,
    "",
    output.table,
    "",
    "Targets:",
    "",
    ...output.targets,
    "<!-- bench:end -->",
  ].join("\n");
  const current = readFileSync(file, "utf8");
  const next = current.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, block);
  writeFileSync(file, next);
}

await main();
