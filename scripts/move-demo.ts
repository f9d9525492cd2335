/**
 * `npm run demo:move [-- --to <shard> --messages <n> --port 8787]`: an organization moved to
 * another shard while a client reads and writes it, against the running `npm run dev`
 * (docs/sharding.md).
 *
 * `--messages <n>` first gives Acme a conversation of n more messages (default 20,000), so that
 * the move takes long enough to see the write pause; the summary gives the time per GB.
 *
 * Acme (the demo organization) is moved to `--to` (by default: the shard it is not on) by
 * `npm run admin -- move-org`, while a client loops, one request at a time: GET a conversation
 * (API key), GET /api/users/me (a token issued before the move) and POST a message to the
 * conversation. It prints every failure, the write pause (503s with Retry-After), and after the
 * move: whether every acknowledged message is there once and in order, whether the snapshots are
 * byte for byte what they were, that the old shard holds none of Acme's rows, and that the
 * session and the key still work. Exits non-zero if any of that does not hold.
 */
import { execFileSync, spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { ACME, ACME_API_KEY, DEMO_PASSWORD, JANE_CONVERSATION } from "./seed/demo-data";

const { values } = parseArgs({
  options: {
    to: { type: "string" },
    messages: { type: "string", default: "20000" },
    port: { type: "string", default: "8787" },
  },
});
const base = `http://127.0.0.1:${values.port}`;
const keyed = { "x-api-key": ACME_API_KEY, "x-workspace-id": ACME };

function sql(binding: string, command: string): Record<string, unknown>[] {
  const output = execFileSync(
    "wrangler",
    ["d1", "execute", binding, "--local", "--json", "--command", command],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, CI: "1" } },
  );
  return (JSON.parse(output) as { results: Record<string, unknown>[] }[])[0]?.results ?? [];
}

async function ok(path: string, init: RequestInit = {}) {
  const response = await fetch(`${base}${path}`, init);
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status}`);
  return response;
}

const from = String(sql("DB", `select shard from organizations where id = '${ACME}'`)[0]?.shard);
const to = values.to ?? (from === "DB" ? "SHARD_B" : "DB");

const bulk = Number(values.messages);
if (bulk > 0) {
  // One statement on Acme's shard: a conversation with Jane and its messages, a second apart.
  const id = `bulk-${process.pid}-${Date.now()}`;
  const t = Date.now() - bulk * 1000;
  sql(
    from,
    `insert into conversations (id, organization_id, contact_id, created_at, updated_at) select '${id}', '${ACME}', contact_id, ${t}, ${t + bulk * 1000} from conversations where id = '${JANE_CONVERSATION}'; ` +
      `insert into messages (id, organization_id, conversation_id, direction, sender_type, sent, message, status, created_at, updated_at) with recursive n(i) as (select 1 union all select i + 1 from n where i < ${bulk}) select '${id}-' || i, '${ACME}', '${id}', case i % 2 when 0 then 'outbound' else 'inbound' end, case i % 2 when 0 then 'AI' else 'human' end, 1, 'Message ' || i || ' of a long conversation, as long as a typical SMS turn of a support agent.', case i % 2 when 0 then 'delivered' else 'received' end, ${t} + i * 1000, ${t} + i * 1000 from n;`,
  );
  console.log(`Gave Acme a conversation of ${bulk} more messages (${id}).`);
}
console.log(`Acme (${ACME}) is on ${from}; moving it to ${to} under a read/write loop.`);

const login = await ok("/api/auth/login", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ email: "alice@example.com", password: DEMO_PASSWORD }),
});
const { data } = (await login.json()) as { data: { token: string } };
const bearer = { authorization: `Bearer ${data.token}` };
const snapshotsBefore = await (
  await ok("/api/training/snapshots?limit=100", { headers: bearer })
).text();

interface Tally {
  ok: number;
  paused: number;
  failed: string[];
  firstPause?: number;
  lastPause?: number;
}
const tally = (): Tally => ({ ok: 0, paused: 0, failed: [] });
const reads = tally();
const writes = tally();
const acknowledged: string[] = [];
/** When each write was sent and answered, and how. */
const timeline: { sent: number; answered: number; status: number }[] = [];
const started = performance.now();
const at = () => Math.round(performance.now() - started);

let moving = true;
const loop = (async () => {
  let n = 0;
  let extra = 0;
  // Until the move is over, then one more second; four rounds a second, so the API key stays
  // under its rate limit (600 a minute) however long the move takes.
  while (moving || extra++ < 4) {
    const round = performance.now();
    for (const [path, headers] of [
      [`/v1/api/conversations/${JANE_CONVERSATION}`, keyed],
      ["/api/users/me", bearer],
    ] as const) {
      const response = await fetch(`${base}${path}`, { headers });
      await response.arrayBuffer();
      if (response.ok) reads.ok++;
      else reads.failed.push(`${at()} ms GET ${path}: ${response.status}`);
    }
    const message = `demo:move ${process.pid} #${++n}`;
    const sent = at();
    const response = await fetch(`${base}/v1/api/conversations/${JANE_CONVERSATION}/messages`, {
      method: "POST",
      headers: { ...keyed, "content-type": "application/json" },
      body: JSON.stringify({ direction: "inbound", message }),
    });
    await response.arrayBuffer();
    timeline.push({ sent, answered: at(), status: response.status });
    if (response.status === 201) {
      writes.ok++;
      acknowledged.push(message);
    } else if (response.status === 503 && response.headers.get("retry-after")) {
      writes.paused++;
      writes.firstPause ??= at();
      writes.lastPause = at();
    } else writes.failed.push(`${at()} ms POST message: ${response.status}`);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, 250 - (performance.now() - round))),
    );
  }
})();

await new Promise((resolve) => setTimeout(resolve, 1000));
const moveStarted = at();
const move = spawn(
  "tsx",
  ["scripts/admin.ts", "move-org", "--org", ACME, "--to", to, "--port", String(values.port)],
  {
    stdio: ["ignore", "inherit", "inherit"],
  },
);
const moveCode = await new Promise<number>((resolve) =>
  move.on("exit", (code) => resolve(code ?? 1)),
);
const moveEnded = at();
moving = false;
await loop;

// The data after: every acknowledged message once, in order; the snapshots as they were.
const conversation = (await (
  await ok(`/v1/api/conversations/${JANE_CONVERSATION}`, { headers: keyed })
).json()) as { messages: { message: string }[] };
const ours = conversation.messages
  .map((m) => m.message)
  .filter((m) => m.startsWith(`demo:move ${process.pid} `));
const snapshotsAfter = await (
  await ok("/api/training/snapshots?limit=100", { headers: bearer })
).text();
const left = sql(
  from,
  `select (select count(*) from conversations where organization_id = '${ACME}') + (select count(*) from messages where organization_id = '${ACME}') + (select count(*) from users where organization_id = '${ACME}') + (select count(*) from training_snapshots where organization_id = '${ACME}') + (select count(*) from sessions where organization_id = '${ACME}') + (select count(*) from api_keys where organization_id = '${ACME}') as n`,
)[0]?.n;
const directory = sql("DB", `select shard from organizations where id = '${ACME}'`)[0]?.shard;
const session = (await fetch(`${base}/api/users/me`, { headers: bearer })).status;
const key = (await fetch(`${base}/v1/api/conversations/${JANE_CONVERSATION}`, { headers: keyed }))
  .status;

const checks: [string, boolean][] = [
  [`move-org finished (exit ${moveCode})`, moveCode === 0],
  [`the directory names ${to} (${directory})`, directory === to],
  [`reads: ${reads.ok} served, ${reads.failed.length} failed`, reads.failed.length === 0],
  [
    `writes: ${writes.ok} accepted, ${writes.paused} answered 503 + Retry-After` +
      (writes.firstPause === undefined
        ? ""
        : ` between ${writes.firstPause} and ${writes.lastPause} ms (the move ran ${moveStarted}-${moveEnded} ms)`) +
      `, ${writes.failed.length} failed otherwise`,
    writes.failed.length === 0,
  ],
  [
    `every acknowledged message there once, in order (${ours.length} of ${acknowledged.length})`,
    JSON.stringify(ours) === JSON.stringify(acknowledged),
  ],
  ["the snapshots byte for byte as before", snapshotsAfter === snapshotsBefore],
  [`the old shard ${from} holds none of Acme's rows (${left})`, left === 0],
  [
    `the session from before the move: ${session}; the API key: ${key}`,
    session === 200 && key === 200,
  ],
];
const slowest = timeline.reduce((a, b) => (b.answered - b.sent > a.answered - a.sent ? b : a));
console.log(
  `slowest write: sent at ${slowest.sent} ms, answered ${slowest.status} at ${slowest.answered} ms; move-org ran ${moveStarted}-${moveEnded} ms`,
);
for (const [what, held] of checks) console.log(`${held ? "ok  " : "FAIL"} ${what}`);
for (const failure of [...reads.failed, ...writes.failed].slice(0, 10)) console.log(`  ${failure}`);
process.exit(checks.every(([, held]) => held) ? 0 : 1);
