/**
 * `--ingest`: messages posted under concurrency. The API (rate limits lifted) serves a copy of the
 * small dataset, and 66 new conversations of the demo workspace, without messages, are made
 * through it first. After a 1-second warm-up on one of them, autocannon drives
 * `POST /v1/api/conversations/{id}/messages` (API key) in two phases of 60 s (10 s with --quick):
 *
 * 1. 64 connections, connection i posting to conversation i;
 * 2. 64 connections posting to one conversation.
 *
 * Each message's text is a nonce, `ingest <phase> <connection> <sequence>`, and each request's
 * send and answer times, status and answer (`_id`, `createdAt`) are recorded; a connection sends
 * one request at a time. Two seconds after a phase's stop (for the requests it cut off to settle),
 * its conversations are read back with `GET /v1/api/conversations/{id}`, and D1 itself
 * (`wrangler d1 execute` on the server's copy) is asked how many of the phase's messages each
 * conversation holds. The checks:
 *
 * - no 5xx; no refusal (503 with Retry-After, counted apart); no other status than 201; no
 *   transport error or timeout;
 * - every acknowledged message there exactly once, in its conversation, with the `_id` and
 *   `createdAt` of its answer; no message without an acknowledgement, except the request of a
 *   connection that the stop cut off (at most one per connection);
 * - the order of acceptance: in the order the API returns (`createdAt`, then `_id`), a message
 *   acknowledged before another was sent comes before it; a connection's own messages, which it
 *   sends one after the other, in the order it sent them;
 * - each conversation's `updatedAt` equal to its last message's `createdAt`;
 * - D1's count of the phase's messages per conversation equal to the API's.
 *
 * Two counts follow, with no target: messages with the `createdAt` of the message before them,
 * and messages placed after one that was committed later (rowids grow in the order of inserts).
 */
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { ACME } from "../seed/demo-data";
import { dataset } from "./data";
import { machine, say, status, table, writeResults } from "./report";
import { type Api, startApi } from "./servers";

const CONNECTIONS = 64;
const SETTINGS = { full: { seconds: 60 }, quick: { seconds: 10 } };
/** How long the requests cut off at a phase's stop get to commit before the checks read. */
const SETTLE_MS = 2_000;
/** autocannon's per-request timeout; the API answers 503 itself after D1_TIMEOUT_MS (10 s). */
const TIMEOUT_SECONDS = 30;
/** The examples shown under a missed check. */
const EXAMPLES = 3;

/** One POST of a message: what was sent, when, and what came back. */
interface Post {
  nonce: string;
  connection: number;
  sequence: number;
  conversation: string;
  /** performance.now() when autocannon built the request, right before writing it. */
  sentAt: number;
  ackAt?: number;
  /** Undefined: no answer (its connection was reset, or the stop cut it off). */
  status?: number;
  /** The answer of a 201: the message as the API stored it. */
  answer?: Message;
}

interface Driven {
  seconds: number;
  connections: number;
  posts: Post[];
  statuses: Map<number, number>;
  /** 503s with Retry-After. */
  refusals: number;
  /** Answers on a connection with no request in flight (none, unless autocannon misbehaves). */
  strays: number;
  /** The first few answers that were not a 201. */
  samples: string[];
  result: autocannon.Result;
}

interface Message {
  _id: string;
  message: string;
  createdAt: string;
}

interface ConversationDoc {
  _id: string;
  messages: Message[];
  updatedAt: string;
}

interface Phase {
  key: string;
  title: string;
  /** Connection i posts to targets[i % targets.length]. */
  targets: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts messages to `phase.targets` with `connections` connections for `seconds`. */
async function drive(
  api: Api,
  headers: Record<string, string>,
  phase: Phase,
  seconds: number,
  connections: number,
  label: string,
): Promise<Driven> {
  const posts: Post[] = [];
  const inFlight: (Post | undefined)[] = [];
  const statuses = new Map<number, number>();
  const samples: string[] = [];
  let refusals = 0;
  let strays = 0;
  let acknowledged = 0;
  let clients = 0;
  const started = Date.now();
  const ticker = setInterval(
    () =>
      status(
        `${label} … ${Math.round((Date.now() - started) / 1000)}/${seconds} s, ${acknowledged} acknowledged`,
      ),
    500,
  );
  const result = await autocannon({
    url: api.url,
    connections,
    duration: seconds,
    timeout: TIMEOUT_SECONDS,
    // Replaced in setupClient, before anything is sent: each connection gets its own request.
    requests: [{ method: "GET", path: "/health" }],
    setupClient: (client) => {
      const connection = clients++;
      const conversation = phase.targets[connection % phase.targets.length] as string;
      let sequence = 0;
      client.setRequests([
        {
          method: "POST",
          path: `/v1/api/conversations/${conversation}/messages`,
          headers: { ...headers, "content-type": "application/json" },
          setupRequest: (request) => {
            // A request still in flight here had its connection reset: it stays unanswered.
            const post: Post = {
              nonce: `ingest ${phase.key} ${connection} ${sequence}`,
              connection,
              sequence: sequence++,
              conversation,
              sentAt: performance.now(),
            };
            posts.push(post);
            inFlight[connection] = post;
            return {
              ...request,
              body: JSON.stringify({ direction: "inbound", message: post.nonce }),
            };
          },
          onResponse: (code, body, _context, responseHeaders = {}) => {
            const ackAt = performance.now();
            const post = inFlight[connection];
            inFlight[connection] = undefined;
            statuses.set(code, (statuses.get(code) ?? 0) + 1);
            const retryAfter = Object.keys(responseHeaders).some(
              (name) => name.toLowerCase() === "retry-after",
            );
            if (code === 503 && retryAfter) refusals++;
            if (code !== 201 && samples.length < EXAMPLES) {
              samples.push(`${code} ${body.slice(0, 200)}`);
            }
            if (!post) {
              strays++;
              return;
            }
            post.status = code;
            post.ackAt = ackAt;
            if (code === 201) {
              const { _id, createdAt, message } = JSON.parse(body) as Message;
              post.answer = { _id, createdAt, message };
              acknowledged++;
            }
          },
        },
      ]);
    },
  });
  clearInterval(ticker);
  return { seconds, connections, posts, statuses, refusals, strays, samples, result };
}

type Row = Record<string, unknown>;

/** The statements of `sql` on `binding` of the server's copy of the data; each one's rows. */
function d1(persist: string, binding: string, sql: string): Row[][] {
  const output = execFileSync(
    "wrangler",
    ["d1", "execute", binding, "--local", "--persist-to", persist, "--json", "--command", sql],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } },
  );
  return (JSON.parse(output) as { results: Row[] }[]).map((statement) => statement.results);
}

/** "500×3, 404×1", or "none": the answers that were not a 201. */
function otherAnswers(driven: Driven): string {
  const others = [...driven.statuses].filter(([code]) => code !== 201).sort(([a], [b]) => a - b);
  return others.length ? others.map(([code, n]) => `${code}×${n}`).join(", ") : "none";
}

const check = (ok: boolean, text: string, examples: string[] = []) =>
  [`- ${ok ? "met" : "MISSED"}: ${text}`, ...(ok ? [] : examples.map((e) => `  - ${e}`))].join(
    "\n",
  );

/** What the server holds after a phase. */
interface ReadBack {
  /** The phase's conversations, as the API reads them. */
  docs: ConversationDoc[];
  /** D1's count of the phase's messages per conversation. */
  d1Counts: Map<string, number>;
  /** D1: the phase's messages placed after one inserted later than them. */
  afterLater: number;
}

/** Reads the phase's conversations through the API, and D1's counts of its messages. */
async function readBack(
  api: Api,
  headers: Record<string, string>,
  phase: Phase,
): Promise<ReadBack> {
  const docs: ConversationDoc[] = [];
  const conversations = [...new Set(phase.targets)];
  for (const [i, id] of conversations.entries()) {
    status(`checking phase ${phase.key}: conversation ${i + 1}/${conversations.length} …`);
    const response = await fetch(`${api.url}/v1/api/conversations/${id}`, { headers });
    if (response.status !== 200) throw new Error(`GET conversation ${id}: ${response.status}`);
    docs.push((await response.json()) as ConversationDoc);
  }
  status(`checking phase ${phase.key}: D1 …`);
  const persist = api.persist as string;
  const [directory] = d1(persist, "DB", `select shard from organizations where id = '${ACME}'`);
  const ours = `organization_id = '${ACME}' and message like 'ingest ${phase.key} %'`;
  // The second statement: messages placed (createdAt, id) after one with a higher rowid, that
  // is one inserted after them (rowids of appended rows grow in commit order).
  const [counts = [], late = []] = d1(
    persist,
    String(directory?.[0]?.shard),
    `select conversation_id as id, count(*) as n from messages where ${ours} group by conversation_id;
     select count(*) as n from (select rowid as r, max(rowid) over (partition by conversation_id
       order by created_at, id rows between unbounded preceding and 1 preceding) as before
       from messages where ${ours}) where before > r`,
  );
  status("");
  return {
    docs,
    d1Counts: new Map(counts.map((r) => [String(r.id), Number(r.n)])),
    afterLater: Number(late[0]?.n),
  };
}

/** The phase's checks (met or MISSED, with examples) and its counts without a target. */
function judge(
  driven: Driven,
  { docs, d1Counts, afterLater }: ReadBack,
): { checks: string[]; notes: string[] } {
  const byNonce = new Map(driven.posts.map((p) => [p.nonce, p]));
  // Posts are recorded in the order they were sent: each connection's last one wins.
  const lastOf = new Map(driven.posts.map((p) => [p.connection, p]));
  const copies = new Map<string, number>();
  const apiCounts = new Map<string, number>();
  const sameMs = new Map<string, number>();
  const found = {
    neverSent: [] as string[],
    misplaced: [] as string[],
    changed: [] as string[],
    unacknowledged: [] as string[],
    order: [] as string[],
    sequence: [] as string[],
    updatedAt: [] as string[],
  };
  let cutOff = 0;
  for (const doc of docs) {
    const id = doc._id;
    apiCounts.set(id, doc.messages.length);
    sameMs.set(id, sameMillisecond(doc.messages));
    const posts = doc.messages.map((m) => byNonce.get(m.message));

    const lastSequence = new Map<number, Post>();
    doc.messages.forEach((m, k) => {
      const post = posts[k];
      if (!post) {
        found.neverSent.push(`"${m.message}" (${m._id}) in ${id}`);
        return;
      }
      copies.set(post.nonce, (copies.get(post.nonce) ?? 0) + 1);
      if (post.conversation !== id) found.misplaced.push(`"${post.nonce}" in ${id}`);
      if (post.status === 201) {
        const { _id, createdAt, message } = post.answer as Message;
        if (_id !== m._id || createdAt !== m.createdAt || message !== post.nonce) {
          found.changed.push(
            `"${post.nonce}": answered "${message}" ${_id} at ${createdAt}, reads ${m._id} at ${m.createdAt}`,
          );
        }
      } else if (post.status === undefined && lastOf.get(post.connection) === post) {
        cutOff++;
      } else {
        found.unacknowledged.push(`"${post.nonce}" (${post.status ?? "no answer"}), ${m._id}`);
      }
      const before = lastSequence.get(post.connection);
      if (before && before.sequence > post.sequence) {
        found.sequence.push(`"${before.nonce}" comes before "${post.nonce}" in ${id}`);
      }
      lastSequence.set(post.connection, post);
    });

    // Walking back from the end: the earliest acknowledgement among the messages after this one.
    let earliest: { post: Post; at: string } | undefined;
    for (let k = doc.messages.length - 1; k >= 0; k--) {
      const post = posts[k];
      const at = doc.messages[k]?.createdAt as string;
      if (!post) continue;
      if (earliest && (earliest.post.ackAt as number) < post.sentAt) {
        const gap = (post.sentAt - (earliest.post.ackAt as number)).toFixed(1);
        found.order.push(
          `"${post.nonce}" (createdAt ${at}) was sent ${gap} ms after "${earliest.post.nonce}" (createdAt ${earliest.at}) was acknowledged, and comes before it`,
        );
      }
      if (
        post.status === 201 &&
        (!earliest || (post.ackAt as number) < (earliest.post.ackAt as number))
      ) {
        earliest = { post, at };
      }
    }

    const last = doc.messages.at(-1);
    if (!last || doc.updatedAt !== last.createdAt) {
      found.updatedAt.push(
        `${id}: updatedAt ${doc.updatedAt}, its last message "${last?.message}" createdAt ${last?.createdAt}; ${sameMs.get(id)} of its ${doc.messages.length} messages share a createdAt with the one before`,
      );
    }
  }

  const acknowledged = driven.posts.filter((p) => p.status === 201);
  const lost = acknowledged.filter((p) => !copies.has(p.nonce)).map((p) => `"${p.nonce}"`);
  const duplicated = [...copies].filter(([, n]) => n > 1).map(([nonce, n]) => `"${nonce}" ×${n}`);
  const unanswered = driven.posts.filter((p) => p.status === undefined);
  const stopped = unanswered.filter((p) => lastOf.get(p.connection) === p).length;

  const d1Differences = [...new Set([...apiCounts.keys(), ...d1Counts.keys()])]
    .filter((id) => (apiCounts.get(id) ?? 0) !== (d1Counts.get(id) ?? 0))
    .map(
      (id) => `${id}: the API shows ${apiCounts.get(id) ?? 0}, D1 holds ${d1Counts.get(id) ?? 0}`,
    );
  const total = [...apiCounts.values()].reduce((a, b) => a + b, 0);

  const { statuses, refusals } = driven;
  const fiveHundreds =
    [...statuses].filter(([code]) => code >= 500).reduce((n, [, k]) => n + k, 0) - refusals;
  const others = [...statuses]
    .filter(([code]) => code !== 201 && code < 500)
    .reduce((n, [, k]) => n + k, 0);
  const transport = driven.result.errors + driven.strays;
  const n = (list: unknown[]) => list.length;
  const good = docs.length - n(found.updatedAt);
  const ties = [...sameMs.values()].reduce((a, b) => a + b, 0);
  const notes = [
    `Not targets: ${ties} of the ${total} messages have the createdAt of the message before them; ${afterLater} are placed after a message committed later than them (D1's rowid order).`,
  ];
  const checks = [
    check(fiveHundreds === 0, `no 5xx: ${fiveHundreds}`, driven.samples),
    check(refusals === 0, `no refusal (503 with Retry-After): ${refusals}`, driven.samples),
    check(
      others === 0 && transport === 0,
      `no other status than 201: ${others}; no transport error or timeout: ${transport}`,
      driven.samples,
    ),
    check(
      n(lost) + n(duplicated) + n(found.changed) === 0,
      `every acknowledged message (${acknowledged.length}) there exactly once, as acknowledged: ${n(lost)} lost, ${n(duplicated)} duplicated, ${n(found.changed)} not as answered`,
      [...lost, ...duplicated, ...found.changed].slice(0, EXAMPLES),
    ),
    check(
      n(found.unacknowledged) + n(found.neverSent) + n(found.misplaced) === 0 &&
        cutOff <= driven.connections,
      `nothing without an acknowledgement but requests the stop cut off: ${cutOff} of the ${stopped} cut off written (at most 1 per connection), ${n(found.unacknowledged)} other unacknowledged, ${n(found.neverSent)} never sent, ${n(found.misplaced)} in another conversation`,
      [...found.unacknowledged, ...found.neverSent, ...found.misplaced].slice(0, EXAMPLES),
    ),
    check(
      n(found.order) === 0,
      `a message acknowledged before another was sent comes before it: ${n(found.order)} out of order`,
      found.order.slice(0, EXAMPLES),
    ),
    check(
      n(found.sequence) === 0,
      `each connection's messages in the order it sent them: ${n(found.sequence)} out of order`,
      found.sequence.slice(0, EXAMPLES),
    ),
    check(
      n(found.updatedAt) === 0,
      `the conversation's updatedAt is its last message's createdAt: ${good} of ${docs.length}`,
      found.updatedAt.slice(0, EXAMPLES),
    ),
    check(
      n(d1Differences) === 0,
      `D1 holds the messages the API shows, per conversation: ${n(d1Differences)} differ`,
      d1Differences.slice(0, EXAMPLES),
    ),
  ];
  return { checks, notes };
}

/** How many messages have the same createdAt as the one before them. */
function sameMillisecond(messages: Message[]): number {
  return messages.filter((m, k) => k > 0 && messages[k - 1]?.createdAt === m.createdAt).length;
}

/** Makes a conversation of the demo workspace with `id`, without messages. */
async function createConversation(api: Api, headers: Record<string, string>, id: string) {
  const response = await fetch(`${api.url}/v1/api/conversations`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ _id: id, customer: { name: `Customer ${id}` } }),
  });
  if (response.status !== 201) {
    throw new Error(`POST conversation ${id}: ${response.status} ${await response.text()}`);
  }
}

export async function ingest(quick: boolean): Promise<void> {
  const { seconds } = SETTINGS[quick ? "quick" : "full"];
  const api = await startApi(await dataset(1_000));
  const headers = await api.headers("key");
  const phases: Phase[] = [
    {
      key: "1",
      title: `Phase 1: ${CONNECTIONS} connections, each posting to its own conversation`,
      targets: Array.from({ length: CONNECTIONS }, (_, i) => `ingest-1-${i}`),
    },
    {
      key: "2",
      title: `Phase 2: ${CONNECTIONS} connections posting to one conversation`,
      targets: ["ingest-2"],
    },
  ];
  const warmUp: Phase = { key: "warm-up", title: "warm-up", targets: ["ingest-warm-up"] };
  const ids = [...phases, warmUp].flatMap((p) => p.targets);
  for (const [i, id] of ids.entries()) {
    status(`creating conversation ${i + 1}/${ids.length} …`);
    await createConversation(api, headers, id);
  }

  const warm = await drive(api, headers, warmUp, 1, 8, "warm-up");
  if (otherAnswers(warm) !== "none" || warm.result.errors > 0) {
    throw new Error(
      `warm-up: ${otherAnswers(warm)}, ${warm.result.errors} errors; ${warm.samples}`,
    );
  }

  const sections: string[] = [];
  for (const phase of phases) {
    const label = `phase ${phase.key}: ${CONNECTIONS} connections → ${phase.targets.length === 1 ? "one conversation" : `${phase.targets.length} conversations`}`;
    const driven = await drive(api, headers, phase, seconds, CONNECTIONS, label);
    const { result } = driven;
    const acknowledged = driven.posts.filter((p) => p.status === 201).length;
    say(
      `${label.padEnd(50)} ${String(Math.round(result.requests.average)).padStart(5)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  max ${result.latency.max} ms  ${acknowledged}/${driven.posts.length} acknowledged`,
    );
    status(`phase ${phase.key}: letting requests cut off at the stop settle …`);
    await sleep(SETTLE_MS);
    const { checks, notes } = judge(driven, await readBack(api, headers, phase));
    say([...checks, ...notes].join("\n"));
    sections.push(
      [
        `${phase.title}:`,
        "",
        table(
          ["req/s", "p50 ms", "p99 ms", "max ms", "sent", "acknowledged (201)", "other answers"],
          [
            [
              Math.round(result.requests.average),
              result.latency.p50,
              result.latency.p99,
              result.latency.max,
              driven.posts.length,
              acknowledged,
              otherAnswers(driven),
            ],
          ],
        ),
        "",
        ...checks,
        "",
        ...notes,
      ].join("\n"),
    );
  }
  await api.stop();

  writeResults(
    "ingest",
    [
      `\`npm run bench -- --ingest${quick ? " --quick" : ""}\`: ${seconds} s per phase, ${CONNECTIONS} connections, \`POST /v1/api/conversations/{id}/messages\`; latencies of the 201s; ${machine()}.`,
      "",
      sections.join("\n\n"),
    ].join("\n"),
  );
}
