/**
 * `npm run bench:runtime [-- --rounds N --requests R]`: the CPU one warm request of the app costs
 * inside workerd, stage by stage from the outside: the real app repeated in a loop inside the
 * runtime (scripts/bench/in-runtime/worker.ts) with D1 answered from recordings and the platform's
 * bindings answered at once, the runtime's CPU read from /proc around each loop.
 *
 * `npm run bench:stages` prices the same requests in Node; this is the figure workerd itself
 * gives (its Headers, Response and crypto are native objects there), without the D1 and Rate
 * Limiting emulation and the HTTP hops that dominate `wrangler dev`'s CPU per request
 * (`npm run bench:platform`). No load generator runs, so the figure is steady to a few percent.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { randomJwtSecret } from "../../src/platform/secrets";
import { prepareState, startLocalServer } from "../lib/local-server";
import { ACME, ACME_API_KEY, DEMO_PASSWORD, SNAPSHOT } from "../seed/demo-data";
import { median } from "./median";
import { cpuMs, userWorkerd } from "./runtime-cpu";

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    requests: { type: "string", default: "5000" },
    port: { type: "string", default: "8797" },
  },
});
const ROUNDS = Number(options.rounds);
const REQUESTS = Number(options.requests);
const PORT = Number(options.port);
if (!(ROUNDS >= 1 && REQUESTS >= 100)) throw new Error("--rounds ≥ 1, --requests ≥ 100");

const CONVERSATION = "112ec528bf7946a12ab0fs21";

/** wrangler.toml's name, date, [vars] and D1 binding, with this benchmark's Worker as main. */
function config(dir: string): string {
  const root = resolve(".");
  const toml = readFileSync("wrangler.toml", "utf8");
  const date = /^compatibility_date = ".*"$/m.exec(toml)?.[0];
  const vars = /^\[vars\]\n[\s\S]*?(?=^\[)/m.exec(toml)?.[0];
  const d1 = /^\[\[d1_databases\]\]\n[\s\S]*?(?=^\[)/m.exec(toml)?.[0];
  if (!date || !vars || !d1) throw new Error("wrangler.toml: compatibility_date, [vars] or D1");
  const file = join(dir, "wrangler.toml");
  writeFileSync(
    file,
    [
      'name = "bench-in-runtime"',
      `main = "${join(root, "scripts/bench/in-runtime/worker.ts")}"`,
      date,
      "",
      vars,
      d1.replace(/^migrations_dir = ".*"$/m, `migrations_dir = "${join(root, "migrations")}"`),
    ].join("\n"),
  );
  return file;
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), "bench-runtime-"));
  const file = config(root);
  const persist = join(root, "state");
  console.log("bench:runtime: preparing the demo data (migrations + seed)…");
  await prepareState(persist, file);
  const server = await startLocalServer({
    persist,
    port: PORT,
    config: file,
    vars: { JWT_SECRET: randomJwtSecret() },
  });
  try {
    const runtime = userWorkerd(server.pid, PORT);
    if (runtime === undefined) throw new Error("the runtime's process was not found (/proc)");
    const login = await fetch(`${server.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "alice@example.com", password: DEMO_PASSWORD }),
    });
    const token = ((await login.json()) as { data?: { token?: string } }).data?.token;
    if (!token) throw new Error(`login answered ${login.status}`);
    const bearer = { authorization: `Bearer ${token}` };
    const key = { "x-api-key": ACME_API_KEY, "x-workspace-id": ACME };
    const cases = {
      "GET /health": { path: "/health", headers: {} },
      "GET snapshot": { path: `/api/training/snapshots/${SNAPSHOT}`, headers: bearer },
      "GET conversation": { path: `/v1/api/conversations/${CONVERSATION}`, headers: key },
      "list snapshots, page 1": { path: "/api/training/snapshots?limit=20", headers: bearer },
      "list conversations, page 1": { path: "/v1/api/conversations?limit=20", headers: key },
    };
    const recorded = await fetch(`${server.url}/record`, {
      method: "POST",
      body: JSON.stringify(cases),
    });
    const statuses = (await recorded.json()) as Record<string, Record<string, number>>;
    for (const [phase, byCase] of Object.entries(statuses)) {
      for (const [name, status] of Object.entries(byCase)) {
        if (status !== 200) throw new Error(`${name}: ${phase} answered ${status}`);
      }
    }
    const loop = async (name: string, n: number) => {
      const response = await fetch(`${server.url}/loop?case=${encodeURIComponent(name)}&n=${n}`);
      const body = (await response.json()) as { failed: number };
      if (!response.ok || body.failed) throw new Error(`${name}: ${JSON.stringify(body)}`);
    };
    const samples: Record<string, number[]> = {};
    for (const name of Object.keys(cases)) await loop(name, Math.min(REQUESTS, 1000)); // warm-up
    for (let round = 1; round <= ROUNDS; round++) {
      for (const name of Object.keys(cases)) {
        const before = cpuMs(runtime);
        await loop(name, REQUESTS);
        const us = ((cpuMs(runtime) - before) * 1000) / REQUESTS;
        const list = samples[name] ?? [];
        list.push(us);
        samples[name] = list;
      }
      console.log(
        `  round ${round}/${ROUNDS}: ${Object.entries(samples)
          .map(([name, s]) => `${name} ${Math.round(s.at(-1) as number)} µs`)
          .join(" · ")}`,
      );
    }
    console.log(
      `\nThe app's CPU per warm request inside workerd (${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores; median of ${ROUNDS} rounds of ${REQUESTS} requests; D1 and platform bindings stood in):\n`,
    );
    console.log("| request | µs, median | range |\n|---|---|---|");
    for (const [name, s] of Object.entries(samples)) {
      console.log(
        `| ${name} | ${Math.round(median(s))} | ${Math.round(Math.min(...s))}–${Math.round(Math.max(...s))} |`,
      );
    }
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
