/**
 * `--platform`: what the local platform emulation (`wrangler dev`) costs per request for each
 * service the API uses, whatever code the Worker runs. The floor (b) runs throughout; a second
 * server runs it again with one more service at a time (static assets in front, a Rate Limiting
 * call, a D1 session: that last one is (c)), then the API itself. Each variant is measured
 * alternately with (b) on copies of the small dataset: the ratio of requests per second, and the
 * CPU the Worker's runtime spends per request (./cpu.ts) over a fixed number of requests, which is
 * steadier than requests per second where the load generator shares the cores.
 */

import { cpuMs, runtimeProcess } from "./cpu";
import { dataset, FIXED } from "./data";
import { measure, send } from "./measure";
import { count, machine, median, say, spread, table, writeResults } from "./report";
import { assertSameAnswer, BARE, type Floor, startApi, startFloor, WITH_SERVICES } from "./servers";

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

export async function platform(quick: boolean): Promise<void> {
  const { rounds, seconds, requests } = SETTINGS[quick ? "quick" : "full"];
  const data = await dataset(1_000);
  const bare = await startFloor(BARE, data);
  const bareRuntime = runtimeProcess(bare);
  /** µs of the runtime's CPU per request over `requests` requests. */
  const cpuPerRequest = async (pid: number, url: string, headers: Record<string, string>) => {
    const before = cpuMs(pid);
    await send(url, headers, requests);
    return ((cpuMs(pid) - before) * 1000) / requests;
  };
  const rows: (string | number)[][] = [];
  say(`\nGET snapshot (10 messages), each variant alternating with (b), ${count(rounds, "round")}`);
  for (const [name, floor] of VARIANTS) {
    const api = floor === "api" ? await startApi(data) : undefined;
    const server = api ?? (await startFloor(floor as Floor, data));
    const headers = api ? await api.headers("token") : {};
    if (api) await assertSameAnswer(PATH, api, "token", [bare]);
    const runtime = runtimeProcess(server);
    const ratios: number[] = [];
    const cpu = { mine: [] as number[], base: [] as number[] };
    for (let round = 1; round <= rounds; round++) {
      const label = `${name}, round ${round}`;
      const mine = await measure(label, `${server.url}${PATH}`, headers, seconds);
      const base = await measure(`  (b), round ${round}`, `${bare.url}${PATH}`, {}, seconds);
      ratios.push(mine.requestsPerSecond / Math.max(base.requestsPerSecond, 1));
      cpu.mine.push(await cpuPerRequest(runtime, `${server.url}${PATH}`, headers));
      cpu.base.push(await cpuPerRequest(bareRuntime, `${bare.url}${PATH}`, {}));
    }
    await server.stop();
    const [mine, base] = [median(cpu.mine), median(cpu.base)];
    rows.push([name, spread(ratios), Math.round(mine), Math.round(base), Math.round(mine - base)]);
  }
  writeResults(
    "platform",
    [
      `\`npm run bench -- --platform${quick ? " --quick" : ""}\`: ${count(rounds, "round")} of ${seconds} s and of ${requests} requests per variant; ${machine()}.`,
      "",
      table(
        [
          "GET snapshot, cumulative",
          "req/s ÷ (b), median (range)",
          "runtime CPU µs/request",
          "(b), same rounds",
          "difference",
        ],
        rows,
      ),
    ].join("\n"),
  );
}
