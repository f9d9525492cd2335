/**
 * `--runtime`: the CPU one warm request of the app costs inside workerd. The real app is served
 * by ./in-runtime/worker.ts under `wrangler dev` on the small dataset and repeats one request in
 * a loop inside the runtime, with D1 answered from recordings and the platform's bindings
 * answered at once; the runtime's CPU is read from /proc around each loop (./cpu.ts).
 *
 * What is left is the app's own work as workerd runs it (routing, middleware, token or key
 * checks, statements bound, answers built, with workerd's native Headers, Response and crypto),
 * without the D1 and Rate Limiting emulation and the HTTP hops that dominate `wrangler dev`'s
 * CPU per request (`--platform`). No load generator runs, so the figure is steady to a few percent.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomJwtSecret } from "../../src/platform/secrets";
import { ACME, ACME_API_KEY, DEMO_PASSWORD } from "../seed/demo-data";
import { cpuMs, runtimeProcess } from "./cpu";
import { dataset, FIXED } from "./data";
import { machine, median, say, status, table, writeResults } from "./report";
import { serve, workdir } from "./servers";

const SETTINGS = {
  full: { rounds: 5, requests: 5_000 },
  quick: { rounds: 3, requests: 2_000 },
};

/** wrangler.toml's name, date, [vars] and D1 binding, with the in-runtime Worker as main. */
function config(dir: string): string {
  const root = resolve(".");
  const toml = readFileSync("wrangler.toml", "utf8");
  const date = /^compatibility_date = ".*"$/m.exec(toml)?.[0];
  const vars = /^\[vars\]\n[\s\S]*?(?=^\[)/m.exec(toml)?.[0];
  const d1 = /^\[\[d1_databases\]\]\n[\s\S]*?(?=^\[)/m.exec(toml)?.[0];
  if (!date || !vars || !d1) throw new Error("wrangler.toml: compatibility_date, [vars] or D1");
  const file = join(dir, "wrangler.in-runtime.toml");
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

export async function runtime(quick: boolean): Promise<void> {
  const { rounds, requests } = SETTINGS[quick ? "quick" : "full"];
  const data = await dataset(1_000);
  const server = await serve(config(workdir()), { JWT_SECRET: randomJwtSecret() }, data);
  const pid = runtimeProcess(server);
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
    "GET snapshot, 10 messages": {
      path: `/api/training/snapshots/${FIXED.snapshot10}`,
      headers: bearer,
    },
    "GET conversation, 10 messages": {
      path: `/v1/api/conversations/${FIXED.conversation10}`,
      headers: key,
    },
    "list snapshots, page 1": { path: "/api/training/snapshots?limit=20", headers: bearer },
    "list conversations, page 1": { path: "/v1/api/conversations?limit=20", headers: key },
  };
  const recorded = await fetch(`${server.url}/record`, {
    method: "POST",
    body: JSON.stringify(cases),
  });
  const statuses = (await recorded.json()) as Record<string, Record<string, number>>;
  for (const [phase, byCase] of Object.entries(statuses)) {
    for (const [name, code] of Object.entries(byCase)) {
      if (code !== 200) throw new Error(`${name}: ${phase} answered ${code}`);
    }
  }
  const loop = async (name: string, n: number) => {
    const response = await fetch(`${server.url}/loop?case=${encodeURIComponent(name)}&n=${n}`);
    const body = (await response.json()) as { failed: number };
    if (!response.ok || body.failed) throw new Error(`${name}: ${JSON.stringify(body)}`);
  };
  const samples: Record<string, number[]> = {};
  status("warming up …");
  for (const name of Object.keys(cases)) await loop(name, Math.min(requests, 1000));
  for (let round = 1; round <= rounds; round++) {
    for (const name of Object.keys(cases)) {
      status(`round ${round}/${rounds}: ${name} …`);
      const before = cpuMs(pid);
      await loop(name, requests);
      samples[name] = [...(samples[name] ?? []), ((cpuMs(pid) - before) * 1000) / requests];
    }
    say(
      `round ${round}/${rounds}: ${Object.entries(samples)
        .map(([name, s]) => `${name} ${Math.round(s.at(-1) as number)} µs`)
        .join(" · ")}`,
    );
  }
  writeResults(
    "runtime",
    [
      `\`npm run bench -- --runtime${quick ? " --quick" : ""}\`: median of ${rounds} rounds of ${requests} requests each; ${machine()}.`,
      "",
      table(
        ["request", "µs of CPU per request, median", "range"],
        Object.entries(samples).map(([name, s]) => [
          name,
          Math.round(median(s)),
          `${Math.round(Math.min(...s))}–${Math.round(Math.max(...s))}`,
        ]),
      ),
    ].join("\n"),
  );
}
