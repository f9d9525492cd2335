/**
 * `--platform`: what the local platform emulation (`wrangler dev`) costs per request, whatever
 * code the Worker runs, on copies of the small dataset. Tables of variants, each measured
 * alternately with a baseline that runs throughout: the ratio of requests per second, and the CPU
 * spent per request over a fixed number of requests, which is steadier than requests per second
 * where the load generator shares the cores (./cpu.ts).
 *
 * - GET snapshot: floor (b), then a second server with one more service at a time (static assets
 *   in front, a Rate Limiting call, a D1 session: that last one is (c)), then the API.
 * - POST message and POST conversation: floor (c), then a second server with what the API's write
 *   sends beyond it (its response headers; its own batch instead of the floor's statements), then
 *   the API. What is left between the last two rows is the API's code, routing to answer, in the
 *   runtime.
 */

import { cpuMs, runtimeProcess, serverProcesses } from "./cpu";
import { dataset, FIXED } from "./data";
import { WRITES } from "./load";
import { measure, send, type Write } from "./measure";
import { count, machine, median, say, spread, table, writeResults } from "./report";
import {
  type Api,
  apiWriteBatches,
  assertSameAnswer,
  BARE,
  type Floor,
  type Served,
  startApi,
  startFloor,
  WITH_SERVICES,
} from "./servers";

const SETTINGS = {
  full: { rounds: 3, seconds: 6, requests: 2_000 },
  quick: { rounds: 1, seconds: 3, requests: 500 },
};
const PATH = `/api/training/snapshots/${FIXED.snapshot10}`;

const VARIANTS: [name: string, floor: Floor | "api"][] = [
  ["(b) again: the noise", BARE],
  ["+ static assets in front", { config: WITH_SERVICES.config, vars: {} }],
  ["+ a Rate Limiting call", { config: WITH_SERVICES.config, vars: { LIMIT: "1" } }],
  ["+ a D1 session: (c)", WITH_SERVICES],
  ["the API", "api"],
];

/** Headers of an answer that every server sends its own way (framing, compression, date). */
const OWN = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "date",
]);

interface Settings {
  rounds: number;
  seconds: number;
  requests: number;
}

interface Target {
  server: Served;
  headers: Record<string, string>;
}

/**
 * Each variant against `base` in `rounds` alternating rounds: req/s ÷ base's, the runtime's CPU
 * per request and the whole server's, each beside base's of the same rounds.
 */
async function compare(
  { rounds, seconds, requests }: Settings,
  path: string,
  base: Target,
  variants: [name: string, start: () => Promise<Target>][],
  write?: Write,
): Promise<(string | number)[][]> {
  /** µs of CPU per request over `requests` requests: the runtime's, and all the server's. */
  const cpuPerRequest = async ({ server, headers }: Target) => {
    const runtime = runtimeProcess(server);
    const all = serverProcesses(server);
    const before = [cpuMs(runtime), cpuMs(all)];
    await send(`${server.url}${path}`, headers, requests, write);
    const after = [cpuMs(runtime), cpuMs(all)];
    return after.map((ms, i) => ((ms - (before[i] ?? 0)) * 1000) / requests);
  };
  const rows: (string | number)[][] = [];
  for (const [name, start] of variants) {
    const target = await start();
    const ratios: number[] = [];
    const cpu = { runtime: [[], []] as number[][], all: [[], []] as number[][] };
    for (let round = 1; round <= rounds; round++) {
      const url = (t: Target) => `${t.server.url}${path}`;
      const mine = await measure(
        `${name}, round ${round}`,
        url(target),
        target.headers,
        seconds,
        write,
      );
      const theirs = await measure(
        `  base, round ${round}`,
        url(base),
        base.headers,
        seconds,
        write,
      );
      ratios.push(mine.requestsPerSecond / Math.max(theirs.requestsPerSecond, 1));
      for (const [i, t] of [target, base].entries()) {
        const [runtime, all] = await cpuPerRequest(t);
        cpu.runtime[i]?.push(runtime ?? 0);
        cpu.all[i]?.push(all ?? 0);
      }
    }
    await target.server.stop();
    const [mine, theirs] = cpu.runtime.map(median) as [number, number];
    const [allMine, allTheirs] = cpu.all.map(median) as [number, number];
    rows.push([
      name,
      spread(ratios),
      Math.round(mine),
      Math.round(theirs),
      Math.round(mine - theirs),
      Math.round(allMine),
      Math.round(allTheirs),
      Math.round(allMine - allTheirs),
    ]);
  }
  return rows;
}

const HEAD = (base: string, first: string) => [
  first,
  `req/s ÷ ${base}, median (range)`,
  "runtime CPU µs/request",
  `${base}, same rounds`,
  "difference",
  "server's CPU µs/request",
  `${base}, same rounds`,
  "difference",
];

export async function platform(quick: boolean): Promise<void> {
  const settings = SETTINGS[quick ? "quick" : "full"];
  const { rounds, seconds, requests } = settings;
  const data = await dataset(1_000);
  const startTheApi = async (auth: "token" | "key"): Promise<{ api: Api; target: Target }> => {
    const api = await startApi(data);
    return { api, target: { server: api, headers: await api.headers(auth) } };
  };

  say(`\nGET snapshot (10 messages), each variant alternating with (b), ${count(rounds, "round")}`);
  const bare = await startFloor(BARE, data);
  const reads = await compare(
    settings,
    PATH,
    { server: bare, headers: {} },
    VARIANTS.map(([name, floor]) => [
      name,
      async () => {
        if (floor !== "api") return { server: await startFloor(floor, data), headers: {} };
        const { api, target } = await startTheApi("token");
        await assertSameAnswer(PATH, api, "token", [bare]);
        return target;
      },
    ]),
  );
  await bare.stop();

  const batches = await apiWriteBatches(FIXED.conversation10);
  const writes: string[] = [];
  for (const [name, path, , write] of WRITES) {
    say(`\n${name}, each variant alternating with (c), ${count(rounds, "round")}`);
    const withServices = await startFloor(WITH_SERVICES, data);
    // The API's headers, from one of its answers to the same request.
    const { target: probe } = await startTheApi("key");
    const answer = await fetch(`${probe.server.url}${path}`, {
      method: write.method,
      headers: { ...probe.headers, "content-type": "application/json" },
      body: write.body(0),
    });
    await answer.text();
    await probe.server.stop();
    const own: [string, string][] = [];
    answer.headers.forEach((value, header) => {
      if (!OWN.has(header)) own.push([header, value]);
    });
    const headers = JSON.stringify(own);
    const floor = (vars: Record<string, string>) => async () => ({
      server: await startFloor(
        { ...WITH_SERVICES, vars: { ...WITH_SERVICES.vars, ...vars } },
        data,
      ),
      headers: {},
    });
    const rows = await compare(
      settings,
      path,
      { server: withServices, headers: {} },
      [
        ["(c) again: the noise", floor({})],
        [`+ the API's ${own.length} response headers`, floor({ HEADERS: headers })],
        ["+ the API's batch instead of (c)'s", floor({ HEADERS: headers, API_BATCHES: batches })],
        ["the API", async () => (await startTheApi("key")).target],
      ],
      write,
    );
    await withServices.stop();
    writes.push("", table(HEAD("(c)", `${name}, cumulative`), rows));
  }

  writeResults(
    "platform",
    [
      `\`npm run bench -- --platform${quick ? " --quick" : ""}\`: ${count(rounds, "round")} of ${seconds} s and of ${requests} requests per variant; ${machine()}.`,
      "",
      table(HEAD("(b)", "GET snapshot, cumulative"), reads),
      ...writes,
    ].join("\n"),
  );
}
