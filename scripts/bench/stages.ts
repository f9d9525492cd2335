/**
 * `npm run bench:stages [-- --iterations N]`: where the CPU of one warm GET goes, measured in
 * process (Node 24, V8 as in workerd), with zero I/O.
 *
 * 1. Records the rows the handlers ask for: the real migrations and the demo seed in an
 *    in-memory SQLite (`node:sqlite`), the demo snapshot and the docs conversation topped up to
 *    MESSAGES messages, and a session row for the token. One request per case runs against it;
 *    each statement's rows are kept, keyed by its SQL text.
 * 2. Switches the D1 stand-in to replay (the kept rows only: no SQLite, no I/O) and checks that
 *    `app.request(path, init, env, ctx)` answers each case 200 with the same body, which parses.
 * 3. Times the full request (`createApp()`: the real middleware, authentication and handler) with
 *    probes on Drizzle's prototypes, and breaks it into layers that do not overlap:
 *    - requestContext, secureHeaders and the GET's response by A/B: a bare Hono app with and
 *      without it, requests alternating (AB, BA, …);
 *    - authentication as the sum of its parts (its Drizzle work from the probes; the whole
 *      middleware's A/B on a bare app is shown for reference: it runs Drizzle in another JIT state);
 *    - Drizzle inside the real request, from the probes: building the query objects (from
 *      `db.select()` to the call that renders them), rendering SQL (`toSQL`, `_prepare`), mapping
 *      rows (`mapAllResult`) and the handler's whole `session.batch`;
 *    - pure steps (shaping, JSON.stringify, the ETag hash, token verification) called alone;
 *    - the request log: the full request with LOG_LEVEL info against the default (warn: no
 *      line for a successful GET) (A/B).
 *    "Rest" is the full request minus the layers: Hono routing through the app's nested routers,
 *    announceEvents, the CORS check, bodyLimit, zod-openapi's validator, response headers, awaits,
 *    and the noise of measuring the layers at different moments.
 *    Per row: mean and p50 wall time (µs per request or call), its share of the full request's
 *    mean, and process CPU time (all threads) per call. A/B rows give ± one standard error.
 *
 * Stand-ins: D1 (above; `withSession` gives a session with a fixed bookmark), the two rate limiter
 * bindings (resolve `{ success: true }` at once), `ExecutionContext` (waitUntil collects), and
 * `console.info` (the request log line is built as in production, then dropped, not written).
 *
 * Crypto: workerd runs `crypto.subtle` digests and HMACs synchronously on the isolate's thread;
 * Node runs them on its libuv thread pool, which costs far more per call than the hashing (and is
 * no cost a Worker pays). So SHA-256 `digest` and HMAC `verify` are answered here synchronously by
 * `node:crypto` (the same bytes, a resolved promise), and Node's own WebCrypto is measured
 * against that separately (A/B on the full request) and reported outside the breakdown.
 *
 * To profile one case: `npx node --import tsx --cpu-prof scripts/bench/stages.ts --loop snapshot`
 * (health | snapshot | conversation: that full request for 5 s after the checks, nothing else).
 */
import {
  createHash,
  createHmac,
  createSecretKey,
  type KeyObject,
  timingSafeEqual,
} from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { D1PreparedQuery, SQLiteD1Session } from "drizzle-orm/d1";
import { BaseSQLiteDatabase, SQLiteSelectBase } from "drizzle-orm/sqlite-core";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { createApp } from "../../src/app";
import type { AppEnv } from "../../src/app-env";
import { isVerifiedKey, resolveApiKey } from "../../src/directory/api-keys";
import { sessionStateQuery } from "../../src/directory/sessions";
import {
  apiKeyCacheTtlMs,
  apiRateWindow,
  d1TimeoutMs,
  jwtSecret,
  keyFailureWindow,
} from "../../src/platform/config";
import { createDatabase } from "../../src/platform/db/client";
import { instrumentD1, type Query } from "../../src/platform/db/instrumented-d1";
import { clientKey } from "../../src/platform/http/client-address";
import { contentHash, respondConditionally } from "../../src/platform/http/conditional";
import { enforceRateLimit } from "../../src/platform/http/rate-limit";
import { requestContext } from "../../src/platform/http/request-context";
import { randomJwtSecret } from "../../src/platform/secrets";
import { sha256Hex } from "../../src/platform/util/encoding";
import { ApiKeyHeadersSchema, authenticateKey } from "../../src/surfaces/conversations/api-key";
import {
  conversationDocumentQuery,
  findConversationDocument,
} from "../../src/surfaces/conversations/conversations/conversations.repository";
import { ConversationParamsSchema } from "../../src/surfaces/conversations/conversations/conversations.schemas";
import { authenticate } from "../../src/surfaces/training/bearer";
import { renderTrainingError } from "../../src/surfaces/training/envelope";
import { issueToken, TokenClaimsSchema, verifyToken } from "../../src/surfaces/training/jwt";
import {
  findSnapshotDocument,
  snapshotDocumentQuery,
} from "../../src/surfaces/training/snapshots/repository/find";
import { SnapshotParamsSchema } from "../../src/surfaces/training/snapshots/snapshots.schemas";
import { ACME, ACME_API_KEY, ALICE, SNAPSHOT } from "../seed/demo-data";
import { seedStatements } from "../seed/statements";

const { values: options } = parseArgs({
  options: {
    iterations: { type: "string", default: "3000" },
    loop: { type: "string" },
  },
});
/** Samples per measurement at least (full requests: requests; short steps: batches of calls). */
const ITERATIONS = Number(options.iterations);
if (!Number.isInteger(ITERATIONS) || ITERATIONS < 100) {
  throw new Error("--iterations must be an integer ≥ 100");
}
const WARMUP = Math.max(500, Math.floor(ITERATIONS / 4));
/** Each measurement also runs at least this long, so that short steps are timed over many calls. */
const MIN_STAGE_MS = 300;

/** Messages in the snapshot and the conversation (the demo seed has 4 and 2: topped up). */
const MESSAGES = 10;
const CONVERSATION = "112ec528bf7946a12ab0fs21";
const SESSION = "6b0000000000000000000001";
const CLIENT_IP = "203.0.113.7";
const BOOKMARK = "00000001-00000002-00004f6c-0123456789abcdef0123456789abcdef";
const ROOT = new URL("../../", import.meta.url);

/* ---- crypto on the calling thread, as workerd does it ---- */

const cryptoMode = { isolateThread: true };
type Subtle = Record<"importKey" | "digest" | "verify", (...args: unknown[]) => Promise<unknown>>;
const subtle = crypto.subtle as unknown as Subtle;
const nodeWebCrypto = {
  importKey: subtle.importKey.bind(subtle),
  digest: subtle.digest.bind(subtle),
  verify: subtle.verify.bind(subtle),
};
const rawKeys = new WeakMap<object, KeyObject>();
const bytesOf = (data: unknown): Uint8Array =>
  data instanceof Uint8Array
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data as ArrayBuffer);
const nameOf = (algorithm: unknown) =>
  typeof algorithm === "string" ? algorithm : (algorithm as { name?: string } | undefined)?.name;

/** Raw HMAC keys are kept (as node:crypto keys) so that `verify` can be answered by node:crypto. */
subtle.importKey = async (...args: unknown[]) => {
  const key = (await nodeWebCrypto.importKey(...args)) as CryptoKey;
  if (args[0] === "raw" && nameOf(args[2]) === "HMAC")
    rawKeys.set(key, createSecretKey(bytesOf(args[1])));
  return key;
};
subtle.digest = (algorithm: unknown, data: unknown) => {
  if (!cryptoMode.isolateThread || nameOf(algorithm) !== "SHA-256") {
    return nodeWebCrypto.digest(algorithm, data);
  }
  const digest = createHash("sha256").update(bytesOf(data)).digest();
  return Promise.resolve(digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.length));
};
subtle.verify = (algorithm: unknown, key: unknown, signature: unknown, data: unknown) => {
  const raw = rawKeys.get(key as object);
  if (!cryptoMode.isolateThread || nameOf(algorithm) !== "HMAC" || !raw) {
    return nodeWebCrypto.verify(algorithm, key, signature, data);
  }
  const mac = createHmac("sha256", raw).update(bytesOf(data)).digest();
  const given = bytesOf(signature);
  return Promise.resolve(given.length === mac.length && timingSafeEqual(given, mac));
};

/* ---- probes inside the real request: Drizzle's own methods, timed while `on` ---- */

/**
 * µs totals while `on`. `build*`: building query objects, from the first `db.select()` to the
 * call that renders them (`toSQL`: the freshness check; `_prepare` or `batch`: the handler's).
 * `render`: `toSQL`/`_prepare` (SQL text and params from the objects). `mapping`: rows → objects.
 * `batch`: Drizzle's whole `session.batch` (render, bind, the D1 call, mapping).
 */
const probes = {
  on: false,
  buildCheck: 0,
  buildHandler: 0,
  renderCheck: 0,
  renderHandler: 0,
  mapping: 0,
  batch: 0,
  openedAt: undefined as number | undefined,
};
type ProbeName = "renderCheck" | "renderHandler" | "mapping" | "batch";

/** Ends the span of query building opened by `db.select()`, if one is open. */
function built(into: "buildCheck" | "buildHandler", now: number) {
  if (probes.openedAt === undefined) return;
  probes[into] += now - probes.openedAt;
  probes.openedAt = undefined;
}

function probe(
  prototype: object,
  method: string,
  name: ProbeName | undefined,
  { async = false, enter }: { async?: boolean; enter?: (now: number) => void } = {},
) {
  const methods = prototype as Record<string, (...args: unknown[]) => unknown>;
  const original = methods[method];
  if (!original) throw new Error(`probe: no ${method}`);
  methods[method] = function (this: unknown, ...args: unknown[]) {
    if (!probes.on) return original.apply(this, args);
    const started = performance.now();
    enter?.(started);
    if (!name) return original.apply(this, args);
    if (async) {
      return (original.apply(this, args) as Promise<unknown>).finally(() => {
        probes[name] += performance.now() - started;
      });
    }
    try {
      return original.apply(this, args);
    } finally {
      probes[name] += performance.now() - started;
    }
  };
}
probe(BaseSQLiteDatabase.prototype, "select", undefined, {
  enter: (now) => {
    probes.openedAt ??= now;
  },
});
probe(SQLiteSelectBase.prototype, "toSQL", "renderCheck", {
  enter: (now) => built("buildCheck", now),
});
probe(SQLiteSelectBase.prototype, "_prepare", "renderHandler", {
  enter: (now) => built("buildHandler", now),
});
probe(SQLiteD1Session.prototype, "batch", "batch", {
  async: true,
  enter: (now) => built("buildHandler", now),
});
probe(D1PreparedQuery.prototype, "mapAllResult", "mapping");

/* ---- recorded rows: SQLite once, then replay ---- */

type Row = Record<string, unknown>;

function insertRow(db: DatabaseSync, table: string, row: Row) {
  const names = Object.keys(row);
  db.prepare(
    `INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
  ).run(...(Object.values(row) as SQLInputValue[]));
}

/** The real schema and the demo seed in memory, topped up to MESSAGES messages, one session. */
async function recordingDatabase(): Promise<{ db: DatabaseSync; tokenVersion: number }> {
  const db = new DatabaseSync(":memory:");
  const migrations = new URL("migrations/", ROOT);
  for (const file of readdirSync(migrations)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    db.exec(readFileSync(new URL(file, migrations), "utf8"));
  }
  for (const statement of await seedStatements()) db.exec(statement);

  // More message copies in the snapshot: the seed's four again, a minute apart, new ids.
  const minute = 60_000;
  const copies = db
    .prepare("SELECT * FROM training_snapshot_messages WHERE snapshot_id = ? ORDER BY position")
    .all(SNAPSHOT);
  const lastCopy = Number(copies.at(-1)?.timestamp);
  for (let p = copies.length; p < MESSAGES; p++) {
    insertRow(db, "training_snapshot_messages", {
      ...(copies[p % copies.length] as Row),
      position: p,
      message_id: `67e0a0b0c0d0e0f0a0b0c1${p.toString(16).padStart(2, "0")}`,
      timestamp: lastCopy + (p - copies.length + 1) * minute,
    });
  }
  db.prepare("UPDATE training_snapshots SET message_count = ? WHERE id = ?").run(
    MESSAGES,
    SNAPSHOT,
  );

  // And in the docs conversation: its two messages again, a minute apart, new ids.
  const messages = db
    .prepare("SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at, id")
    .all(CONVERSATION);
  const lastMessage = Number(messages.at(-1)?.created_at);
  for (let i = messages.length; i < MESSAGES; i++) {
    const at = lastMessage + (i - messages.length + 1) * minute;
    insertRow(db, "messages", {
      ...(messages[i % messages.length] as Row),
      id: `675c8e368824aa5f130b95${i.toString(16).padStart(2, "0")}`,
      created_at: at,
      updated_at: at,
    });
  }

  const now = Date.now();
  insertRow(db, "sessions", {
    id: SESSION,
    organization_id: ACME,
    user_id: ALICE,
    created_at: now,
    expires_at: now + 86_400_000,
  });
  const user = db.prepare("SELECT token_version FROM users WHERE id = ?").get(ALICE);
  return { db, tokenVersion: Number(user?.token_version ?? 1) };
}

const WRITE = /^\s*(insert|update|delete|replace)\b/i;
const META = {
  duration: 0,
  size_after: 0,
  rows_read: 0,
  rows_written: 0,
  last_row_id: 0,
  changed_db: false,
  changes: 0,
};

/**
 * The D1 binding's shape (prepare/bind/all/raw/first/run, batch, withSession/getBookmark).
 * Recording: runs each statement on SQLite and keeps its rows by SQL text. Replay: answers the
 * kept rows (the same objects, in a resolved promise); a statement not recorded is an error.
 */
class StandInD1 {
  replay = false;
  readonly recorded = new Map<string, Row[]>();
  readonly session = {
    prepare: (query: string) => new StandInStatement(this, query, []),
    batch: async (statements: StandInStatement[]) => statements.map((s) => s.result()),
    getBookmark: () => BOOKMARK,
  };

  constructor(private readonly sqlite: DatabaseSync) {}

  /**
   * Replay finds a statement by the length of its SQL: Drizzle builds the text anew on every
   * request, and hashing it for a Map lookup (flattening ~2 KB) would cost the stand-in several
   * µs per statement. The first replay of each length compares the whole text.
   */
  private byLength = new Map<number, { query: string; rows: Row[]; checked: boolean }>();

  rows(query: string, params: unknown[]): Row[] {
    if (this.replay) {
      const found = this.byLength.get(query.length);
      if (found && !found.checked) {
        if (found.query !== query) throw new Error("D1 stand-in: two statements of one length");
        found.checked = true;
      }
      if (!found) throw new Error(`D1 stand-in: nothing recorded for ${query}`);
      return found.rows;
    }
    const statement = this.sqlite.prepare(query);
    const bound = params as SQLInputValue[];
    let rows: Row[] = [];
    if (WRITE.test(query)) statement.run(...bound);
    else rows = statement.all(...bound).map((row) => ({ ...row }));
    const other = this.byLength.get(query.length);
    if (other && other.query !== query) {
      throw new Error(`D1 stand-in: two statements of ${query.length} characters`);
    }
    this.recorded.set(query, rows);
    this.byLength.set(query.length, { query, rows, checked: false });
    return rows;
  }

  prepare = this.session.prepare;
  batch = this.session.batch;
  withSession = (_constraint?: string) => this.session;
}

class StandInStatement {
  constructor(
    private readonly d1: StandInD1,
    readonly query: string,
    private readonly params: unknown[],
  ) {}

  bind(...values: unknown[]) {
    return new StandInStatement(this.d1, this.query, values);
  }

  result() {
    return { success: true, results: this.d1.rows(this.query, this.params), meta: META };
  }

  async all() {
    return this.result();
  }

  async run() {
    return this.result();
  }

  async first(column?: string) {
    const row = this.d1.rows(this.query, this.params)[0];
    return (column === undefined ? row : row?.[column]) ?? null;
  }

  async raw(rawOptions?: { columnNames?: boolean }) {
    const rows = this.d1.rows(this.query, this.params);
    const arrays = rows.map((row) => Object.values(row));
    return rawOptions?.columnNames ? [Object.keys(rows[0] ?? {}), ...arrays] : arrays;
  }
}

/** `[vars]` of wrangler.toml (string values only, which is all it has). */
function wranglerVars(): Record<string, string> {
  const toml = readFileSync(new URL("wrangler.toml", ROOT), "utf8");
  const section = /^\[vars\]\n([\s\S]*?)(?=^\[)/m.exec(toml)?.[1] ?? "";
  return Object.fromEntries(
    [...section.matchAll(/^([A-Z][A-Z0-9_]*)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]]),
  );
}

/* ---- timing ---- */

interface Stats {
  meanUs: number;
  /** NaN where there are no percentiles (a difference of means, a probe's total). */
  p50Us: number;
  p99Us: number;
  /** Process CPU time (user + system, every thread) per call over the timed loop; NaN: none. */
  cpuUs: number;
  /** For A/B differences: the standard error of the mean difference, over the blocks. */
  errorUs?: number;
}

/** Where results go, so that no timed call is optimized away. */
const sink: { last: unknown } = { last: undefined };

const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

function summarize(samples: number[], cpu: number, calls: number): Stats {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const mean = samples.reduce((t, s) => t + s, 0) / samples.length;
  return { meanUs: mean, p50Us: at(0.5), p99Us: at(0.99), cpuUs: cpu / calls };
}

const only = (meanUs: number, cpu = Number.NaN): Stats => ({
  meanUs,
  p50Us: Number.NaN,
  p99Us: Number.NaN,
  cpuUs: cpu,
});

const difference = (a: Stats, b: Stats, errorUs?: number): Stats => ({
  ...only(a.meanUs - b.meanUs, a.cpuUs - b.cpuUs),
  ...(errorUs === undefined ? {} : { errorUs }),
});

/** A layer made of parts measured separately: the sum of their means (and CPU, where known). */
const sumOf = (...parts: Stats[]): Stats =>
  only(
    parts.reduce((t, p) => t + p.meanUs, 0),
    parts.some((p) => Number.isNaN(p.cpuUs)) ? Number.NaN : parts.reduce((t, p) => t + p.cpuUs, 0),
  );

/** Samples of `inner` calls each (µs per call), until `count` samples and `minMs` have passed. */
async function sampleAsync(
  fn: () => Promise<unknown>,
  inner: number,
  count: number,
  minMs: number,
): Promise<{ samples: number[]; cpu: number; calls: number }> {
  const samples: number[] = [];
  const cpu = cpuUs();
  const until = performance.now() + minMs;
  while (samples.length < count || performance.now() < until) {
    const started = performance.now();
    for (let k = 0; k < inner; k++) sink.last = await fn();
    samples.push(((performance.now() - started) * 1000) / inner);
  }
  return { samples, cpu: cpuUs() - cpu, calls: samples.length * inner };
}

async function timeAsync(fn: () => Promise<unknown>, inner = 1): Promise<Stats> {
  for (let i = 0; i < WARMUP * inner; i++) sink.last = await fn();
  const { samples, cpu, calls } = await sampleAsync(fn, inner, ITERATIONS, MIN_STAGE_MS);
  return summarize(samples, cpu, calls);
}

function timeSync(fn: () => unknown, inner = 10): Stats {
  for (let i = 0; i < WARMUP * inner; i++) sink.last = fn();
  const samples: number[] = [];
  const cpu = cpuUs();
  const until = performance.now() + MIN_STAGE_MS;
  while (samples.length < ITERATIONS || performance.now() < until) {
    const started = performance.now();
    for (let k = 0; k < inner; k++) sink.last = fn();
    samples.push(((performance.now() - started) * 1000) / inner);
  }
  return summarize(samples, cpuUs() - cpu, samples.length * inner);
}

/**
 * `a` and `b` alternately, one call each (AB, BA, AB, …), so that drift (GC, the VM's other
 * tenants, the CPU's clock) hits both alike. Both, and a − b with the standard error of the
 * mean of the pairs' differences.
 */
async function timeAB(a: () => Promise<unknown>, b: () => Promise<unknown>) {
  for (let i = 0; i < WARMUP; i++) {
    sink.last = await a();
    sink.last = await b();
  }
  const sides = [a, b].map((fn) => ({ fn, samples: [] as number[], cpu: 0 }));
  const differences: number[] = [];
  const until = performance.now() + MIN_STAGE_MS;
  for (let i = 0; i < ITERATIONS || performance.now() < until; i++) {
    const pair = [0, 0];
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const side = sides[k] as (typeof sides)[number];
      const cpu = cpuUs();
      const started = performance.now();
      sink.last = await side.fn();
      pair[k] = (performance.now() - started) * 1000;
      side.cpu += cpuUs() - cpu;
      side.samples.push(pair[k] as number);
    }
    differences.push((pair[0] as number) - (pair[1] as number));
  }
  const n = differences.length;
  const mean = differences.reduce((t, d) => t + d, 0) / n;
  const variance = differences.reduce((t, d) => t + (d - mean) ** 2, 0) / (n - 1);
  const [sa, sb] = sides as [(typeof sides)[number], (typeof sides)[number]];
  const A = summarize(sa.samples, sa.cpu, n);
  const B = summarize(sb.samples, sb.cpu, n);
  return { a: A, b: B, delta: difference(A, B, Math.sqrt(variance / n)) };
}

/**
 * `count` full requests with Drizzle's probes on: the request (mean, percentiles, CPU) and µs
 * per request inside each probe, from the same requests.
 */
async function probeRequests(run: () => Promise<unknown>, count = ITERATIONS) {
  const names = ["buildCheck", "buildHandler", "renderCheck", "renderHandler", "mapping", "batch"];
  for (const name of names as (keyof typeof probes)[])
    (probes as Record<string, unknown>)[name] = 0;
  for (let i = 0; i < WARMUP; i++) sink.last = await run();
  probes.on = true;
  const { samples, cpu, calls } = await sampleAsync(run, 1, count, MIN_STAGE_MS);
  probes.on = false;
  probes.openedAt = undefined;
  const per = (ms: number) => only((ms * 1000) / calls);
  return {
    request: summarize(samples, cpu, calls),
    buildCheck: per(probes.buildCheck),
    buildHandler: per(probes.buildHandler),
    renderCheck: per(probes.renderCheck),
    renderHandler: per(probes.renderHandler),
    mapping: per(probes.mapping),
    batch: per(probes.batch),
  };
}

const us = (n: number) =>
  Number.isNaN(n)
    ? "–"
    : Math.abs(n) >= 100
      ? n.toFixed(0)
      : Math.abs(n) >= 10
        ? n.toFixed(1)
        : n.toFixed(2);

function progress(label: string, s: Stats) {
  const error = s.errorUs === undefined ? "" : ` ± ${us(s.errorUs)}`;
  console.log(
    `  ${label.padEnd(68)} mean ${`${us(s.meanUs)}${error}`.padStart(8)} µs  p50 ${us(s.p50Us).padStart(6)}  p99 ${us(s.p99Us).padStart(6)}  cpu ${us(s.cpuUs).padStart(6)} µs`,
  );
}

async function stage(label: string, run: () => Promise<Stats> | Stats): Promise<Stats> {
  const s = await run();
  progress(label, s);
  return s;
}

/** A row of a breakdown. `part`: a piece of the layer above it, not counted again in "rest". */
interface Line {
  stage: string;
  stats: Stats;
  part?: boolean;
}

function table(title: string, full: Stats, lines: Line[]): string {
  const layers = lines.filter((l) => !l.part);
  const sum = (pick: (s: Stats) => number) =>
    layers.reduce((t, l) => t + (Number.isNaN(pick(l.stats)) ? 0 : pick(l.stats)), 0);
  const rest = only(full.meanUs - sum((s) => s.meanUs));
  const share = (s: Stats) => `${((100 * s.meanUs) / full.meanUs).toFixed(0)} %`;
  const row = (l: Line) => {
    const error = l.stats.errorUs === undefined ? "" : ` ± ${us(l.stats.errorUs)}`;
    return `| ${l.part ? `↳ ${l.stage}` : l.stage} | ${us(l.stats.meanUs)}${error} | ${us(l.stats.p50Us)} | ${l.part ? "" : share(l.stats)} | ${us(l.stats.cpuUs)} |`;
  };
  return [
    title,
    "",
    "| stage | µs mean | µs p50 | share | CPU µs |",
    "|---|---|---|---|---|",
    `| **full request** (p99 ${us(full.p99Us)} µs) | **${us(full.meanUs)}** | ${us(full.p50Us)} | 100 % | ${us(full.cpuUs)} |`,
    ...lines.map(row),
    row({ stage: "rest (full − layers above)", stats: rest }),
  ].join("\n");
}

/** The full-request measurements of a case, as progress lines. */
function reportCase(c: {
  log: { a: Stats; b: Stats; delta: Stats };
  webCrypto: { a: Stats };
  probes: Awaited<ReturnType<typeof probeRequests>>;
}) {
  progress("full request (LOG_LEVEL info)", c.log.a);
  progress("full request (default LOG_LEVEL warn: no line)", c.log.b);
  progress("request log line: info − warn", c.log.delta);
  progress("full request with Node's WebCrypto (thread pool)", c.webCrypto.a);
  progress("full request with the probes on (the breakdown's total)", c.probes.request);
  progress("  probe: freshness check, Drizzle query builder", c.probes.buildCheck);
  progress("  probe: freshness check, toSQL", c.probes.renderCheck);
  progress("  probe: handler's Drizzle query builders", c.probes.buildHandler);
  progress("  probe: handler's Drizzle batch (render, bind, D1 call, mapping)", c.probes.batch);
  progress("  probe: handler's _prepare (SQL rendering)", c.probes.renderHandler);
  progress("  probe: handler's mapAllResult (row mapping)", c.probes.mapping);
}

/* ---- main ---- */

async function main() {
  const started = Date.now();
  const cpu = cpus();
  console.log(
    `bench:stages: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; ≥ ${ITERATIONS} samples and ≥ ${MIN_STAGE_MS} ms per measurement after ${WARMUP} warm-up`,
  );

  // The request log line: built as in production, then dropped instead of written.
  let logLines = 0;
  console.info = (line?: unknown) => {
    sink.last = line;
    logLines++;
  };

  const { db: sqlite, tokenVersion } = await recordingDatabase();
  const d1 = new StandInD1(sqlite);
  const limiter = { limit: async (_options: { key: string }) => ({ success: true }) };
  const secret = randomJwtSecret();
  const vars = wranglerVars();
  const bindings = {
    JWT_SECRET: secret,
    DB: d1,
    API_RATE_LIMITER: limiter,
    KEY_FAILURE_LIMITER: limiter,
    WEBHOOK_QUEUE: { send: async () => undefined, sendBatch: async () => undefined },
  };
  const env = { ...vars, ...bindings } as unknown as Env;
  const loudEnv = { ...vars, ...bindings, LOG_LEVEL: "info" } as unknown as Env;
  if (env.LOG_LEVEL !== "warn") throw new Error("wrangler.toml [vars] should set LOG_LEVEL warn");
  const waitUntil: Promise<unknown>[] = [];
  const ctx = {
    waitUntil: (work: Promise<unknown>) => void waitUntil.push(work),
    passThroughOnException: () => undefined,
    props: {},
  } as unknown as ExecutionContext;

  const { token } = await issueToken(
    secret,
    { userId: ALICE, organizationId: ACME, role: "manager", sessionId: SESSION, tokenVersion },
    3600,
  );
  const app = createApp();
  const common = {
    accept: "application/json",
    "user-agent": "bench-stages/1",
    "cf-connecting-ip": CLIENT_IP,
  };
  const cases = {
    health: { path: "/health", headers: common },
    snapshot: {
      path: `/api/training/snapshots/${SNAPSHOT}`,
      headers: { ...common, authorization: `Bearer ${token}` },
    },
    conversation: {
      path: `/v1/api/conversations/${CONVERSATION}`,
      headers: { ...common, "x-api-key": ACME_API_KEY, "x-workspace-id": ACME },
    },
  };

  // 1. Record (SQLite answers), 2. replay (kept rows only): each case 200, same body, parses;
  // with Node's WebCrypto and with crypto on the calling thread alike.
  const bodies: Record<string, string> = {};
  for (const [replay, isolateThread] of [
    [false, false],
    [true, false],
    [true, true],
  ]) {
    d1.replay = replay as boolean;
    cryptoMode.isolateThread = isolateThread as boolean;
    for (const [name, { path, headers }] of Object.entries(cases)) {
      const response = await app.request(path, { headers }, env, ctx);
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${name}: ${response.status} ${text}`);
      const body = JSON.parse(text) as { data?: { messages?: unknown[] }; messages?: unknown[] };
      const count = (body.data?.messages ?? body.messages)?.length;
      if (name !== "health" && count !== MESSAGES) {
        throw new Error(`${name}: ${count} messages, expected ${MESSAGES}`);
      }
      if (replay && bodies[name] !== text) throw new Error(`${name}: replay answered another body`);
      bodies[name] = text;
    }
  }
  await Promise.all(waitUntil.splice(0));
  console.log(
    `checked: ${d1.recorded.size} statements recorded; replay answers 200 to each case with the recorded body (snapshot ${bodies.snapshot?.length} B, conversation ${bodies.conversation?.length} B)`,
  );

  /** The full request, on a Request built once (the runtime hands the Worker a built one). */
  const fullRequest = (c: { path: string; headers: Record<string, string> }, e = env) => {
    const request = new Request(`http://localhost${c.path}`, { headers: c.headers });
    return async () => {
      const response = await app.request(request, undefined, e, ctx);
      if (response.status !== 200) throw new Error(`${c.path}: ${response.status}`);
      if (waitUntil.length > 0) await Promise.all(waitUntil.splice(0));
      return response;
    };
  };

  if (options.loop) {
    const c = cases[options.loop as keyof typeof cases];
    if (!c) throw new Error(`--loop: one of ${Object.keys(cases).join(", ")}`);
    const run = fullRequest(c);
    let n = 0;
    for (const until = performance.now() + 5000; performance.now() < until; n++) await run();
    console.log(`--loop ${options.loop}: ${n} requests in 5 s`);
    return;
  }

  /** Node's WebCrypto (a) against crypto on the calling thread (b), on the full request. */
  const webCryptoAB = (run: () => Promise<unknown>) =>
    timeAB(
      () => {
        cryptoMode.isolateThread = false;
        return run();
      },
      () => {
        cryptoMode.isolateThread = true;
        return run();
      },
    ).finally(() => {
      cryptoMode.isolateThread = true;
    });

  /** A bare Hono app: these middleware, then one handler answering c.json. */
  const bare = (
    headers: Record<string, string>,
    middleware: MiddlewareHandler<AppEnv>[] = [],
    handler: (c: Context) => Response = (c) => c.json({ status: "ok" }, 200),
  ) => {
    const hono = new Hono<AppEnv>();
    for (const m of middleware) hono.use("*", m);
    hono.get("/bare", handler);
    const request = new Request("http://localhost/bare", { headers });
    return async () => {
      const response = await hono.request(request, undefined, env, ctx);
      if (response.status !== 200) throw new Error(`bare app: ${response.status}`);
      return response;
    };
  };
  const context = requestContext(renderTrainingError);

  // What the steps work on: one pass of what the handlers do, on the replaying stand-in.
  const newDb = () =>
    createDatabase(
      instrumentD1(env.DB.withSession("first-unconstrained"), () => undefined, d1TimeoutMs(env)).d1,
    );
  const db = newDb();
  const snapshot = await findSnapshotDocument(db, ACME, SNAPSHOT);
  const conversationJson = await findConversationDocument(db, ACME, CONVERSATION);
  if (!snapshot || !conversationJson)
    throw new Error("stand-in rows do not match the repositories");
  const snapshotJson = snapshot.doc;
  const state = { sessionId: SESSION, userId: ALICE, organizationId: ACME };
  const fakeContext = { set: () => undefined } as unknown as Context;
  const window = apiRateWindow(env);
  const keyHash = await sha256Hex(ACME_API_KEY);
  const prelude = sessionStateQuery(state);

  /** One D1 call through the instrumented wrapper, its statements prepared and bound already. */
  const batchOf = (queries: Query[]) => {
    const { d1: instrumented } = instrumentD1(env.DB.withSession("first-unconstrained"), () => {});
    const statements = queries.map((q) => instrumented.prepare(q.sql).bind(...q.params));
    return () => instrumented.batch(statements);
  };

  // The HMAC as hono's verify runs it: the signature over header.payload, with the secret.
  const [head = "", payload = "", signature = ""] = token.split(".");
  const signed = new TextEncoder().encode(`${head}.${payload}`);
  const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  if (signature.length === 0) throw new Error("the token has no signature");

  const logLine = (route: string) => () =>
    JSON.stringify({
      level: "info",
      requestId: crypto.randomUUID(),
      method: "GET",
      route,
      status: 200,
      durationMs: Math.round(performance.now() * 100) / 100,
      d1RoundTrips: 1,
      organizationId: ACME,
    });
  const response = (text: string, etag: string) => () =>
    new Response(text, {
      status: 200,
      headers: {
        ETag: etag,
        "Cache-Control": "private, no-cache",
        "Content-Type": "application/json",
      },
    });

  console.log("\nsteps alone");
  const steps = {
    session: await stage("session setup: withSession + instrumentD1 + createDatabase", () =>
      timeSync(newDb),
    ),
    rateLimit: await stage("enforceRateLimit (the binding stand-in resolves at once)", () =>
      timeAsync(
        () => enforceRateLimit(fakeContext, env.API_RATE_LIMITER, `user:${ALICE}`, window),
        10,
      ),
    ),
    request: await stage("new Request(url, headers): what app.request(path, init) adds", () =>
      timeSync(
        () =>
          new Request(`http://localhost${cases.snapshot.path}`, {
            headers: cases.snapshot.headers,
          }),
      ),
    ),
    verify: await stage("verifyToken (decode, HMAC-SHA256, claims)", () =>
      timeAsync(() => verifyToken(token, jwtSecret(env)), 5),
    ),
    hmac: await stage("  HMAC-SHA256 of the token (node:crypto)", () =>
      timeSync(() => createHmac("sha256", secret).update(signed).digest()),
    ),
    claims: await stage("  TokenClaimsSchema.safeParse (zod)", () =>
      timeSync(() => TokenClaimsSchema.safeParse(claims)),
    ),
    prelude: await stage(
      "sessionStateQuery: compiled statement, values bound (freshness check)",
      () => timeSync(() => sessionStateQuery(state)),
    ),
    keyHeaders: await stage("API key headers: ApiKeyHeadersSchema.safeParse (zod)", () =>
      timeSync(() =>
        ApiKeyHeadersSchema.safeParse({ "x-api-key": ACME_API_KEY, "x-workspace-id": ACME }),
      ),
    ),
    keyHash: await stage("API key hash: sha256Hex", () =>
      timeAsync(() => sha256Hex(ACME_API_KEY), 10),
    ),
    keyLookup: await stage("key cache hit: resolveApiKey, isVerifiedKey, clientKey, windows", () =>
      timeAsync(() => {
        sink.last = `key-failures:${clientKey(CLIENT_IP)}`;
        sink.last = keyFailureWindow(env);
        const maxAgeMs = apiKeyCacheTtlMs(env);
        sink.last = isVerifiedKey(keyHash, maxAgeMs);
        return resolveApiKey(db, keyHash, maxAgeMs);
      }, 10),
    ),
    select1: await stage("`select 1`: Drizzle db.run + instrumentD1 (stand-in)", () => {
      const healthDb = newDb();
      return timeAsync(() => healthDb.run(sql`select 1`), 5);
    }),
    log: await stage("request log line alone: JSON.stringify of its fields", () =>
      timeSync(logLine("/api/training/snapshots/:id")),
    ),
  };

  // ---- per case: full request (LOG_LEVEL info vs the default), WebCrypto, probes, handler steps ----
  console.log("\nGET /health");
  const health = {
    log: await timeAB(fullRequest(cases.health, loudEnv), fullRequest(cases.health)),
    webCrypto: await webCryptoAB(fullRequest(cases.health)),
  };
  progress("full request (LOG_LEVEL info)", health.log.a);
  progress("full request (default LOG_LEVEL warn: no line)", health.log.b);
  progress("request log line: info − warn", health.log.delta);
  progress("full request with Node's WebCrypto (thread pool)", health.webCrypto.a);

  console.log(`\nGET /api/training/snapshots/${SNAPSHOT} (${MESSAGES} messages)`);
  const snap = {
    log: await timeAB(fullRequest(cases.snapshot, loudEnv), fullRequest(cases.snapshot)),
    webCrypto: await webCryptoAB(fullRequest(cases.snapshot)),
    probes: await probeRequests(fullRequest(cases.snapshot)),
    params: await stage("path params: SnapshotParamsSchema.safeParse (zod)", () =>
      timeSync(() => SnapshotParamsSchema.safeParse({ id: SNAPSHOT })),
    ),
    bind: await stage("snapshotDocumentQuery: compiled statement, values bound", () =>
      timeSync(() => snapshotDocumentQuery(ACME, SNAPSHOT)),
    ),
    find: await stage("findSnapshotDocument: bind, prepare, D1 batch (stand-in)", () =>
      timeAsync(() => findSnapshotDocument(db, ACME, SNAPSHOT), 5),
    ),
    batch: await stage("D1 batch via instrumentD1, 2 bound statements (stand-in)", () =>
      timeAsync(batchOf([prelude, snapshotDocumentQuery(ACME, SNAPSHOT)]), 5),
    ),
    etag: await stage("ETag: contentHash (SHA-256 → 16 hex)", () =>
      timeAsync(() => contentHash(snapshotJson), 10),
    ),
    sha: await stage("  SHA-256 of the body alone (node:crypto)", () =>
      timeSync(() => createHash("sha256").update(snapshotJson).digest()),
    ),
    response: await stage("new Response(text, 3 headers)", () =>
      timeSync(response(`{"success":true,"data":${snapshotJson}}`, '"v1.0123456789abcdef"')),
    ),
  };
  reportCase(snap);

  console.log(`\nGET /v1/api/conversations/${CONVERSATION} (${MESSAGES} messages)`);
  const conv = {
    log: await timeAB(fullRequest(cases.conversation, loudEnv), fullRequest(cases.conversation)),
    webCrypto: await webCryptoAB(fullRequest(cases.conversation)),
    probes: await probeRequests(fullRequest(cases.conversation)),
    params: await stage("path params: ConversationParamsSchema.safeParse (zod)", () =>
      timeSync(() => ConversationParamsSchema.safeParse({ conversationId: CONVERSATION })),
    ),
    bind: await stage("conversationDocumentQuery: compiled statement, values bound", () =>
      timeSync(() => conversationDocumentQuery(ACME, CONVERSATION)),
    ),
    find: await stage("findConversationDocument: bind, prepare, D1 batch (stand-in)", () =>
      timeAsync(() => findConversationDocument(db, ACME, CONVERSATION), 5),
    ),
    batch: await stage("D1 batch via instrumentD1, 1 bound statement (stand-in)", () =>
      timeAsync(batchOf([conversationDocumentQuery(ACME, CONVERSATION)]), 5),
    ),
    etag: await stage("ETag: contentHash (SHA-256 → 16 hex)", () =>
      timeAsync(() => contentHash(conversationJson), 10),
    ),
    sha: await stage("  SHA-256 of the body alone (node:crypto)", () =>
      timeSync(() => createHash("sha256").update(conversationJson).digest()),
    ),
    response: await stage("new Response(text, 3 headers)", () =>
      timeSync(response(conversationJson, '"0123456789abcdef"')),
    ),
  };
  reportCase(conv);

  // ---- the app's own middleware, on a bare app (after the full requests: the JIT has settled) ----
  console.log("\nmiddleware (A/B: a bare Hono app with it − without it)");
  const withSecureHeaders = await timeAB(bare(common, [secureHeaders()]), bare(common));
  progress("bare Hono app: routing, context, c.json → Response (the floor)", withSecureHeaders.b);
  progress("secureHeaders()", withSecureHeaders.delta);
  const withContext = await timeAB(bare(common, [context]), bare(common));
  progress("requestContext(): request id, session, headers, log line", withContext.delta);
  const withAuth = await timeAB(
    bare(cases.snapshot.headers, [context, authenticate as unknown as MiddlewareHandler<AppEnv>]),
    bare(cases.snapshot.headers, [context]),
  );
  progress("authenticate (Bearer; its freshness check on its own round trip)", withAuth.delta);
  const withKey = await timeAB(
    bare(cases.conversation.headers, [
      context,
      authenticateKey as unknown as MiddlewareHandler<AppEnv>,
    ]),
    bare(cases.conversation.headers, [context]),
  );
  progress("authenticateKey (x-api-key, cached key)", withKey.delta);
  const bodyText = `{"success":true,"data":${snapshotJson}}`;
  const withRespond = await timeAB(
    bare(common, [], (c) => respondConditionally(c, bodyText, '"v1.0123456789abcdef"')),
    bare(common),
  );
  progress("respondConditionally(c, 2.6 KB text, ETag) instead of c.json", withRespond.delta);

  // ---- the breakdowns: layers that do not overlap, then their parts ----
  const floor: Line = {
    stage: "Hono floor: bare app, one route, c.json → Response",
    stats: withSecureHeaders.b,
  };
  const middleware = (log: Stats): Line[] => [
    { stage: "requestContext() (A/B)", stats: withContext.delta },
    {
      stage: "session setup: withSession, instrumentD1, createDatabase",
      stats: steps.session,
      part: true,
    },
    {
      stage: "request log line at LOG_LEVEL info (A/B; the default writes none for a 200 GET)",
      stats: log,
      part: true,
    },
    { stage: "its line alone: JSON.stringify", stats: steps.log, part: true },
    { stage: "secureHeaders() (A/B)", stats: withSecureHeaders.delta },
  ];
  const zero = only(0, 0);
  const handlerQuery = (name: string, c: typeof snap | typeof conv, statements: number): Line[] => [
    { stage: `${name}: bind, prepare, D1 batch, alone (stand-in)`, stats: c.find },
    { stage: "compiled statement: values bound", stats: c.bind, part: true },
    {
      stage: `instrumentD1 batch alone, ${statements} statement(s) (the stand-in answers at once)`,
      stats: c.batch,
      part: true,
    },
    {
      stage: "Drizzle in the request: builders, rendering, row mapping (probes)",
      stats: sumOf(
        c.probes.buildCheck,
        c.probes.renderCheck,
        c.probes.buildHandler,
        c.probes.renderHandler,
        c.probes.mapping,
      ),
      part: true,
    },
  ];
  const tail = (c: typeof snap | typeof conv): Line[] => [
    { stage: "shaping and JSON.stringify: none, SQLite builds the JSON text", stats: zero },
    { stage: "ETag: contentHash", stats: c.etag },
    { stage: "SHA-256 alone", stats: c.sha, part: true },
    { stage: "respondConditionally instead of the floor's c.json (A/B)", stats: withRespond.delta },
    { stage: "new Response(text, 3 headers) alone", stats: c.response, part: true },
  ];
  const drizzleNote = (c: typeof snap | typeof conv) => {
    const p = c.probes;
    const build = p.buildCheck.meanUs + p.buildHandler.meanUs;
    const render = p.renderCheck.meanUs + p.renderHandler.meanUs;
    const total = build + render + p.mapping.meanUs;
    return `Drizzle in this request (probes): building queries ${us(build)} + rendering SQL ${us(render)} + mapping rows ${us(p.mapping.meanUs)} = ${us(total)} µs, ${((100 * total) / p.request.meanUs).toFixed(0)} % of the request.`;
  };
  const webCryptoNote = (ab: { a: Stats; delta: Stats }) =>
    `With Node's WebCrypto (thread pool) instead: ${us(ab.a.meanUs)} µs (+${us(ab.delta.meanUs)} ± ${us(ab.delta.errorUs ?? Number.NaN)}), which a Worker does not pay.`;
  const tables = [
    [
      table("GET /health", health.log.b, [
        floor,
        ...middleware(health.log.delta),
        { stage: "handler: `select 1` through Drizzle + instrumentD1", stats: steps.select1 },
      ]),
      webCryptoNote(health.webCrypto),
    ],
    [
      table(`GET snapshot (${MESSAGES} messages)`, snap.probes.request, [
        floor,
        ...middleware(snap.log.delta),
        {
          stage: "authenticate: verifyToken + enforceRateLimit + freshness-check statement",
          stats: sumOf(steps.verify, steps.rateLimit, steps.prelude),
        },
        {
          stage: "whole middleware, A/B on a bare app (reference)",
          stats: withAuth.delta,
          part: true,
        },
        { stage: "verifyToken alone", stats: steps.verify, part: true },
        { stage: "of which HMAC-SHA256", stats: steps.hmac, part: true },
        { stage: "of which TokenClaimsSchema.safeParse (zod)", stats: steps.claims, part: true },
        { stage: "enforceRateLimit alone (binding stand-in)", stats: steps.rateLimit, part: true },
        { stage: "freshness check: compiled, values bound", stats: steps.prelude, part: true },
        { stage: "path params (zod)", stats: snap.params },
        ...handlerQuery("findSnapshotDocument", snap, 2),
        ...tail(snap),
      ]),
      drizzleNote(snap),
      webCryptoNote(snap.webCrypto),
    ],
    [
      table(`GET conversation (${MESSAGES} messages)`, conv.probes.request, [
        floor,
        ...middleware(conv.log.delta),
        {
          stage: "authenticateKey: header check + key hash + cache hit + enforceRateLimit",
          stats: sumOf(steps.keyHeaders, steps.keyHash, steps.keyLookup, steps.rateLimit),
        },
        {
          stage: "whole middleware, A/B on a bare app (reference)",
          stats: withKey.delta,
          part: true,
        },
        { stage: "ApiKeyHeadersSchema.safeParse (zod)", stats: steps.keyHeaders, part: true },
        { stage: "sha256Hex of the key", stats: steps.keyHash, part: true },
        {
          stage: "key cache hit: resolveApiKey, clientKey, windows",
          stats: steps.keyLookup,
          part: true,
        },
        { stage: "enforceRateLimit alone (binding stand-in)", stats: steps.rateLimit, part: true },
        { stage: "path params (zod)", stats: conv.params },
        ...handlerQuery("findConversationDocument", conv, 1),
        ...tail(conv),
      ]),
      drizzleNote(conv),
      webCryptoNote(conv.webCrypto),
    ],
  ];
  console.log(`\n${tables.map((t) => t.join("\n\n")).join("\n\n")}`);
  console.log(
    `\nFull requests reuse one Request per case; app.request(path, init) builds one per call: +${us(steps.request.meanUs)} µs in Node (undici).`,
  );
  console.log(
    `bench:stages: ${logLines} log lines built and dropped; done in ${Math.round((Date.now() - started) / 1000)} s`,
  );
}

await main();
