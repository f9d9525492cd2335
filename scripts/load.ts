/**
 * `npm run load [-- --duration 60 --connections 64]`: a bounded soak of mixed reads and writes.
 *
 * Starts the API with `wrangler dev` on a fresh temporary state (real migrations + demo seed;
 * rate limits raised, since the point is load, not throttling), drives it with autocannon on
 * 127.0.0.1, and reports p50/p99 and every unexpected status (must be 0). Then it checks D1
 * against what the server acknowledged. Every created snapshot carries a unique nonce in its
 * notes: each acknowledged create must be there exactly once (nothing lost, nothing duplicated),
 * and a row without an acknowledgement may only come from a request still in flight when the
 * load generator stopped (at most one per connection). Likewise the counter snapshot's version
 * must be 1 + the acknowledged PATCHes, plus at most those cut off at the stop.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { randomJwtSecret } from "../src/platform/secrets";
import { loginToken, prepareState, startLocalServer, unthrottledConfig } from "./lib/local-server";
import { ACME, ACME_API_KEY, JANE, JANE_CONVERSATION, SNAPSHOT } from "./seed/demo-data";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "60" },
    connections: { type: "string", default: "64" },
    port: { type: "string", default: "8798" },
  },
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const PORT = Number(values.port);
const BASE = `http://127.0.0.1:${PORT}`;
const SECRET = randomJwtSecret();
const COUNTER_SNAPSHOT = SNAPSHOT;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "load-"));
  const config = unthrottledConfig(dir);
  const persist = join(dir, "state");
  await prepareState(persist, config);
  const server = await startLocalServer({
    persist,
    port: PORT,
    config,
    vars: { JWT_SECRET: SECRET, LOG_LEVEL: "error" },
  });
  const token = await loginToken(server.url);
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const key = { "x-api-key": ACME_API_KEY, "x-workspace-id": ACME };

  const sent = { create: new Set<string>(), patch: 0 };
  const acked = { create: new Map<string, string>(), patch: 0 };
  const statuses = new Map<string, Map<number, number>>();
  const unexpected: string[] = [];
  let unexpectedCount = 0;
  let nonce = 0;
  const track = (kind: string, expected: number) => (status: number, body: string) => {
    const byKind = statuses.get(kind) ?? new Map<number, number>();
    byKind.set(status, (byKind.get(status) ?? 0) + 1);
    statuses.set(kind, byKind);
    if (status !== expected) {
      unexpectedCount++;
      if (unexpected.length < 20) unexpected.push(`${kind} → ${status} ${body.slice(0, 120)}`);
      return;
    }
    if (kind === "create") {
      const { data } = JSON.parse(body) as { data: { _id: string; notes: string } };
      acked.create.set(data.notes, data._id);
    }
    if (kind === "patch") acked.patch++;
  };
  const create = (source: Record<string, unknown>) => ({
    method: "POST" as const,
    path: "/api/training/snapshots",
    headers: auth,
    setupRequest: (request: { body?: string }) => {
      const notes = `load-${++nonce}`;
      sent.create.add(notes);
      return { ...request, body: JSON.stringify({ ...source, notes, tags: ["load"] }) };
    },
    onResponse: track("create", 201),
  });
  const patch = (body: Record<string, unknown>) => ({
    method: "PATCH" as const,
    path: `/api/training/snapshots/${COUNTER_SNAPSHOT}`,
    headers: auth,
    body: JSON.stringify(body),
    setupRequest: (request: object) => {
      sent.patch++;
      return request;
    },
    onResponse: track("patch", 200),
  });

  // One cycle per connection: 6 reads, 2 creates, 2 updates (60 % reads, 40 % writes).
  const get = (kind: string, path: string, headers: Record<string, string>) => ({
    method: "GET" as const,
    path,
    headers,
    onResponse: track(kind, 200),
  });
  const requests = [
    get("get snapshot", `/api/training/snapshots/${COUNTER_SNAPSHOT}`, auth),
    get("get conversation", "/v1/api/conversations/112ec528bf7946a12ab0fs21", key),
    create({ contactId: JANE, conversationId: JANE_CONVERSATION }),
    get("list snapshots", "/api/training/snapshots?limit=20", auth),
    patch({ notes: "load" }),
    get("list conversations", "/v1/api/conversations?limit=20", key),
    get("get snapshot", `/api/training/snapshots/${COUNTER_SNAPSHOT}`, auth),
    create({ contactId: JANE, messageIds: ["67e0a0b0c0d0e0f0a0b0c0d0"] }),
    get("list conversations", "/v1/api/conversations/flow/pw12345?limit=10", key),
    patch({ tags: ["load", "soak"] }),
  ];

  console.log(`load: ${DURATION} s, ${CONNECTIONS} connections against ${BASE}`);
  const result = await autocannon({
    url: BASE,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: requests as autocannon.Request[],
    timeout: 30,
  });

  // What D1 holds now, read back through the API once requests cut off at the stop have settled.
  await sleep(2000);
  const rows = new Map<string, string[]>();
  let cursor: string | null = null;
  do {
    const page = (await (
      await fetch(
        `${BASE}/api/training/snapshots?limit=100&tag=load${cursor ? `&cursor=${cursor}` : ""}`,
        {
          headers: auth,
        },
      )
    ).json()) as {
      data: { _id: string; notes: string }[];
      pagination: { nextCursor: string | null };
    };
    for (const s of page.data) {
      // The counter snapshot is tagged by the PATCHes; it is checked by its version below.
      if (s._id !== COUNTER_SNAPSHOT) rows.set(s.notes, [...(rows.get(s.notes) ?? []), s._id]);
    }
    cursor = page.pagination.nextCursor;
  } while (cursor);
  const counter = await fetch(`${BASE}/api/training/snapshots/${COUNTER_SNAPSHOT}`, {
    headers: auth,
  });
  const version = Number(/^"v(\d+)\./.exec(counter.headers.get("etag") ?? "")?.[1]);

  const lost = [...acked.create].filter(([notes, id]) => rows.get(notes)?.[0] !== id);
  const duplicated = [...rows].filter(([, ids]) => ids.length > 1);
  const neverSent = [...rows.keys()].filter((notes) => !sent.create.has(notes));
  const cutOff = [...rows.keys()].filter(
    (notes) => sent.create.has(notes) && !acked.create.has(notes),
  );
  const patchesApplied = version - 1;
  const patchesCutOff = patchesApplied - acked.patch;
  const transportErrors = result.errors + result.timeouts;

  console.log("\nload report");
  console.log(
    `  requests: ${result.requests.total} (${Math.round(result.requests.average)} req/s), ${CONNECTIONS} connections, ${DURATION} s`,
  );
  console.log(
    `  latency: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
  );
  for (const [kind, byStatus] of statuses) {
    console.log(
      `  ${kind.padEnd(20)} ${[...byStatus.entries()].map(([st, n]) => `${st}×${n}`).join(" ")}`,
    );
  }
  console.log(
    `  unexpected statuses: ${unexpectedCount}; transport errors/timeouts: ${transportErrors}`,
  );
  for (const line of unexpected) console.log(`    ${line}`);
  console.log(
    `  creates: ${sent.create.size} sent, ${acked.create.size} acknowledged, ${rows.size} rows in D1`,
  );
  console.log(
    `    lost: ${lost.length}; duplicated: ${duplicated.length}; never sent: ${neverSent.length}; cut off at the stop: ${cutOff.length}`,
  );
  console.log(
    `  patches: ${sent.patch} sent, ${acked.patch} acknowledged, ${patchesApplied} applied (version ${version}); cut off at the stop: ${patchesCutOff}`,
  );

  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  const ok =
    unexpectedCount === 0 &&
    transportErrors === 0 &&
    lost.length === 0 &&
    duplicated.length === 0 &&
    neverSent.length === 0 &&
    cutOff.length <= CONNECTIONS &&
    patchesCutOff >= 0 &&
    patchesCutOff <= Math.min(CONNECTIONS, sent.patch - acked.patch);
  console.log(ok ? "\nload: OK" : "\nload: FAILED");
  process.exit(ok ? 0 : 1);
}

await main();
