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
 *
 * The cases: the GET documents, a 20-item page of every list, and three writes. Before recording,
 * the setup gives every list its 20 items through the app itself (users, API keys, webhook
 * endpoints, deliveries from the app's queue consumer). No endpoint listens to an event the
 * writes announce: they are measured as in a workspace without webhooks, like the floors of the
 * default mode.
 *
 * `--stages` (./stages.ts) then profiles one more loop of each case through the runtime's
 * inspector and splits its CPU per request by stage.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomJwtSecret } from "../../src/platform/secrets";
import { freePort, type LocalServer } from "../lib/local-server";
import { ACME, ACME_API_KEY, DEMO_PASSWORD } from "../seed/demo-data";
import { cpuMs, runtimeProcess } from "./cpu";
import { dataset, FIXED } from "./data";
import type { Case as ReplayedCase } from "./in-runtime/worker";
import { machine, median, say, status, table, writeResults } from "./report";
import { serve, workdir } from "./servers";
import { type Attribution, attribute, bundleSourceMap, HARNESS, Inspector, STAGES } from "./stages";

const SETTINGS = {
  full: { rounds: 5, requests: 5_000 },
  quick: { rounds: 3, requests: 2_000 },
};

/** Every list page has this many items (`?limit=20`, and the setup makes sure there are). */
const PAGE = 20;
/** The profiler's sampling interval, µs: thousands of samples in each case's loop. */
const SAMPLING_US = 100;

/** One request as the in-runtime Worker replays it; a list page also says how many items it holds. */
interface Case extends ReplayedCase {
  items?: number;
}

const get = (path: string, headers: Record<string, string>): Case => ({
  method: "GET",
  path,
  headers,
  status: 200,
});

const page = (path: string, headers: Record<string, string>): Case => ({
  ...get(path, headers),
  items: PAGE,
});

const write = (
  method: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  status: number,
): Case => {
  const text = JSON.stringify(body);
  return {
    method,
    path,
    // A client's request says its length (curl, fetch): the body limit reads it, not the body.
    headers: {
      ...headers,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
    },
    body: text,
    status,
  };
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
      // The build the Worker ships with (minified, names kept or not) is the build measured.
      ...(toml.match(/^(minify|keep_names) = .*$/gm) ?? []),
      "",
      vars,
      d1.replace(/^migrations_dir = ".*"$/m, `migrations_dir = "${join(root, "migrations")}"`),
    ].join("\n"),
  );
  return file;
}

/** A request to the app itself on real D1, through the in-runtime Worker's `/app/` (the setup). */
async function app(
  server: LocalServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${server.url}/app${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** The items of a list's answer: a Training envelope's `data`, or the Conversations API's array. */
function itemsOf(json: unknown): unknown[] | undefined {
  if (Array.isArray(json)) return json;
  const data = (json as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? data : undefined;
}

async function token(server: LocalServer, email: string): Promise<Record<string, string>> {
  const login = await app(
    server,
    "POST",
    "/api/auth/login",
    {},
    { email, password: DEMO_PASSWORD },
  );
  const value = (login.json as { data?: { token?: string } }).data?.token;
  if (!value) throw new Error(`login as ${email} answered ${login.status}`);
  return { authorization: `Bearer ${value}` };
}

/** Creates `body(i)` at `path` until its list holds `PAGE` items; the ids of the list. */
async function fill(
  server: LocalServer,
  path: string,
  headers: Record<string, string>,
  body: (i: number) => unknown,
): Promise<string[]> {
  const list = async () => {
    const { status, json } = await app(server, "GET", `${path}?limit=100`, headers);
    const items = itemsOf(json);
    if (status !== 200 || !items) throw new Error(`GET ${path} answered ${status}`);
    return items.map((item) => (item as { _id: string })._id);
  };
  const have = (await list()).length;
  for (let i = have; i < PAGE; i++) {
    status(`setup: ${path} ${i + 1}/${PAGE} …`);
    const created = await app(server, "POST", path, headers, body(i));
    if (created.status !== 201) {
      throw new Error(`POST ${path} answered ${created.status}: ${JSON.stringify(created.json)}`);
    }
  }
  return list();
}

/**
 * The benchmark's cases, after the setup: tokens from the app's own login (alice, a manager;
 * the admin for the admin lists) and 20 items in every list that has fewer in the dataset.
 */
async function setup(server: LocalServer): Promise<Record<string, Case>> {
  status("setup: logins …");
  const bearer = await token(server, "alice@example.com");
  const admin = await token(server, "admin@example.com");
  const key = { "x-api-key": ACME_API_KEY, "x-workspace-id": ACME };
  await fill(server, "/api/users", admin, (i) => ({
    email: `bench-${i}@example.com`,
    firstName: "Bench",
    lastName: `User ${i}`,
    role: "agent",
  }));
  await fill(server, "/api/keys", admin, (i) => ({ name: `Bench key ${i}` }));
  await fill(server, "/api/webhooks", admin, (i) => ({
    url: `https://hooks.example.com/bench/${i}`,
    events: ["training.snapshot.deleted"],
    enabled: i === 0,
  }));
  // The deliveries go to an enabled endpoint that listens to no event a case writes: the writes
  // measured announce nothing, as in a workspace without webhooks.
  const endpoints = await app(server, "GET", "/api/webhooks?limit=100", admin);
  const hook = (itemsOf(endpoints.json) as { _id: string; enabled: boolean }[] | undefined)?.find(
    (endpoint) => endpoint.enabled,
  )?._id;
  if (!hook) throw new Error("setup: no enabled webhook endpoint");
  // Deliveries: test events to one endpoint, through the app's own queue consumer.
  for (let i = 0; i < PAGE; i++) {
    status(`setup: webhook test event ${i + 1}/${PAGE} …`);
    const tested = await app(server, "POST", `/api/webhooks/${hook}/test`, admin, {});
    if (tested.status !== 202) throw new Error(`webhook test answered ${tested.status}`);
  }
  status("setup: deliveries …");
  const delivered = await fetch(`${server.url}/deliver`, { method: "POST" });
  if (!delivered.ok) throw new Error(`deliver answered ${delivered.status}`);

  const cases: Record<string, Case> = {
    "GET /health": get("/health", {}),
    "GET snapshot, 10 messages": get(`/api/training/snapshots/${FIXED.snapshot10}`, bearer),
    "GET conversation, 10 messages": get(`/v1/api/conversations/${FIXED.conversation10}`, key),
    "list snapshots, page 1": page(`/api/training/snapshots?limit=${PAGE}`, bearer),
    "list conversations, page 1": page(`/v1/api/conversations?limit=${PAGE}`, key),
    "list conversations of a flow, page 1": page(
      `/v1/api/conversations/flow/pw-1?limit=${PAGE}`,
      key,
    ),
    "list contacts, page 1": page(`/api/contacts?limit=${PAGE}`, bearer),
    "list reviews, page 1": page(`/api/training/reviews?limit=${PAGE}`, bearer),
    "list users, page 1": page(`/api/users?limit=${PAGE}`, admin),
    "list API keys (all 20)": page("/api/keys", admin),
    "list webhooks, page 1": page(`/api/webhooks?limit=${PAGE}`, admin),
    "list webhook deliveries, page 1": page(
      `/api/webhooks/${hook}/deliveries?limit=${PAGE}`,
      admin,
    ),
    // Writes last: the documents and pages above are recorded as the dataset has them.
    "POST message, inbound": write(
      "POST",
      `/v1/api/conversations/${FIXED.conversation10}/messages`,
      key,
      { direction: "inbound", message: "Is my order on its way? It has been a week." },
      201,
    ),
    "POST conversation, new contact": write(
      "POST",
      "/v1/api/conversations",
      key,
      {
        customer: { name: "Bench Customer", phone: "+14155559001" },
        messages: [{ direction: "inbound", message: "Hello, can I change my delivery address?" }],
      },
      201,
    ),
    "PATCH snapshot notes": write(
      "PATCH",
      `/api/training/snapshots/${FIXED.snapshot10}`,
      bearer,
      { notes: "Reviewed: a clear answer, worth keeping." },
      200,
    ),
  };
  for (const [name, c] of Object.entries(cases)) {
    if (c.items === undefined) continue;
    status(`setup: checking ${name} …`);
    const { status: code, json } = await app(server, "GET", c.path, c.headers);
    const count = itemsOf(json)?.length;
    if (code !== 200 || count !== c.items) {
      throw new Error(`${name}: ${code} with ${count ?? "no"} items, not ${c.items}`);
    }
  }
  return cases;
}

export async function runtime(quick: boolean, stages = false): Promise<void> {
  const { rounds, requests } = SETTINGS[quick ? "quick" : "full"];
  const data = await dataset(1_000);
  const dir = workdir();
  const inspectorPort = stages ? await freePort() : undefined;
  const server = await serve(
    config(dir),
    // Access tokens outlive the run however slow the machine (they live 15 minutes by default);
    // how long they live changes nothing in a request's work.
    { JWT_SECRET: randomJwtSecret(), JWT_TTL_SECONDS: "7200" },
    data,
    inspectorPort === undefined ? [] : ["--inspector-port", String(inspectorPort)],
  );
  const pid = runtimeProcess(server);
  // Connected first, so that a run that cannot profile stops before measuring. wrangler keeps
  // the runtime's inspector session open anyway (its console output comes that way): this
  // client changes nothing in the runtime until the profiler starts.
  const inspector =
    inspectorPort === undefined ? undefined : await Inspector.connect(inspectorPort);
  try {
    const started = Date.now();
    const cases = await setup(server);
    say(`setup: 20 items in every list, in ${Math.round((Date.now() - started) / 1000)} s`);
    status("recording …");
    const recorded = await fetch(`${server.url}/record`, {
      method: "POST",
      body: JSON.stringify(cases),
    });
    if (!recorded.ok) throw new Error(`record answered ${recorded.status}`);
    const statuses = (await recorded.json()) as Record<string, Record<string, number>>;
    for (const [phase, byCase] of Object.entries(statuses)) {
      for (const [name, code] of Object.entries(byCase)) {
        const expected = cases[name]?.status;
        if (code !== expected) {
          throw new Error(`${name}: ${phase} answered ${code}, not ${expected}`);
        }
      }
    }
    const loop = async (name: string, n: number) => {
      const response = await fetch(`${server.url}/loop?case=${encodeURIComponent(name)}&n=${n}`);
      const body = (await response.json()) as { failed: number };
      if (!response.ok || body.failed) throw new Error(`${name}: ${JSON.stringify(body)}`);
    };
    const samples: Record<string, number[]> = {};
    for (const name of Object.keys(cases)) {
      status(`warming up: ${name} …`);
      await loop(name, Math.min(requests, 1000));
    }
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
    const command = `\`npm run bench -- --runtime${stages ? " --stages" : ""}${quick ? " --quick" : ""}\``;
    const measured = `median of ${rounds} rounds of ${requests} requests each`;
    if (!inspector) {
      writeResults(
        "runtime",
        [
          `${command}: ${measured}; ${machine()}.`,
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
      return;
    }

    const map = bundleSourceMap(dir);
    if (!map) say("stages: no source map of the bundle found; stages by function name instead");
    const attributed: Record<string, Attribution> = {};
    for (const name of Object.keys(cases)) {
      status(`profiling: ${name} …`);
      const before = cpuMs(pid);
      const profile = await inspector.profile(SAMPLING_US, () => loop(name, requests));
      const profiled = ((cpuMs(pid) - before) * 1000) / requests;
      const found = attribute(profile, map);
      attributed[name] = found;
      const total = [...found.byStage.values()].reduce((a, b) => a + b, 0);
      const top = [...found.byFunction.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([fn, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${fn}`);
      say(
        [
          `${name}: ${Math.round(median(samples[name] ?? []))} µs/request, ${Math.round(profiled)} while profiled; top functions (self time, natives under their caller):`,
          ...top,
        ].join("\n"),
      );
    }
    writeResults("stages", stageTable(command, measured, samples, attributed));
  } finally {
    inspector?.close();
  }
}

/** The stages table: each case's CPU per request from /proc, split by its profile's shares. */
function stageTable(
  command: string,
  measured: string,
  samples: Record<string, number[]>,
  attributed: Record<string, Attribution>,
): string {
  const all = Object.values(attributed);
  const columns = [
    ...STAGES.map((s) => s.name),
    ...(all.some((a) => a.byStage.has("other")) ? ["other"] : []),
  ].filter((stage) => all.some((a) => (a.byStage.get(stage) ?? 0) > 0));
  const mapped = all.every((a) => a.mapped);
  const rows = Object.entries(attributed).map(([name, found]) => {
    const cpu = median(samples[name] ?? []);
    const total = [...found.byStage.values()].reduce((a, b) => a + b, 0);
    const us = (stage: string) => (cpu * (found.byStage.get(stage) ?? 0)) / total;
    const harness = us(HARNESS);
    return [
      name,
      Math.round(cpu),
      Math.round(cpu - harness),
      ...columns.map((stage) => Math.round(us(stage))),
      Math.round(harness),
    ];
  });
  return [
    `${command}: CPU per request from /proc, ${measured}; split by the shares of one profiled loop of as many requests per case, sampled every ${SAMPLING_US} µs${mapped ? "" : " (no source map: stages by function name)"}; ${machine()}.`,
    "",
    table(["request", "µs per request", "the app", ...columns, HARNESS], rows),
  ].join("\n");
}
