/**
 * `npm run import -- --format trillet|tether --workspace <orgId> <file> [--remote] [--env <name>]
 * [--batch-records <n>]`
 *
 * Loads a vendor's file into the local dev database (default) or the deployed one (`--remote`):
 * - trillet: conversations in the GET-by-id shape, as a JSON array or JSON lines; ids kept;
 * - tether: the training export document (`{ …, "data": [ … ] }`); each item becomes a contact
 *   (matched by phone, then email) and a snapshot with its messages.
 *
 * One write path: this process only reads the file and splits it into records; it starts the
 * import Worker (src/import/worker.ts) under `wrangler dev`, bound to the same D1 database as the
 * API, and sends it the records in batches. The Worker checks each one with the API's schemas and
 * writes it with the API's own statements, with bound parameters. The file is streamed and split
 * as bytes, one batch in the making while the one before is written, so memory stays flat
 * whatever the file's size (the npm script also caps the JS heap, which V8 would otherwise let
 * grow with the allocation rate: ~110 MB instead of ~200 MB for a 400 MB file). Progress on a terminal (plain lines otherwise), a summary at the end.
 * Exit status 0 when every record was imported or already there, 1 when any was rejected or not
 * imported, 2 when the import could not run. LOCAL_D1_PERSIST_TO points local runs at another
 * state folder.
 */
import { randomBytes } from "node:crypto";
import {
  createReadStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseToml } from "smol-toml";
import { framePieces } from "../src/import/frames";
import type { Outcome } from "../src/import/records";
import { SeenKeys } from "./import/seen";
import { JsonArraySplitter, JsonLinesSplitter, type SplitRecord } from "./import/split";
import { type LocalServer, startLocalServer } from "./lib/local-server";

type Format = "trillet" | "tether";

/** The largest record read: far above what the record rules let through (1,000 messages). */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** A batch is sent once it holds this many bytes of records … */
const BATCH_BYTES = 2 * 1024 * 1024;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

function fail(message: string): never {
  if (process.stderr.isTTY) process.stderr.write("\n");
  console.error(`import: ${message}`);
  process.exit(2);
}

let values: ReturnType<typeof parseOptions>["values"];
let positionals: string[];
function parseOptions() {
  return parseArgs({
    allowPositionals: true,
    options: {
      format: { type: "string" },
      workspace: { type: "string" },
      remote: { type: "boolean", default: false },
      env: { type: "string" },
      // … or this many records.
      "batch-records": { type: "string", default: "1000" },
    },
  });
}
try {
  ({ values, positionals } = parseOptions());
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

const format = values.format as Format;
if (format !== "trillet" && format !== "tether") fail("--format must be trillet or tether");
const organizationId = values.workspace?.toLowerCase() ?? "";
if (!/^[0-9a-f]{24}$/.test(organizationId))
  fail("--workspace must be the organization's 24-hex id");
const file = positionals[0];
if (!file) fail("name the file to import");
const batchRecords = Number(values["batch-records"]);
if (!Number.isInteger(batchRecords) || batchRecords < 1)
  fail("--batch-records must be a positive whole number");
let totalBytes: number;
try {
  const stat = statSync(file);
  if (!stat.isFile()) fail(`${file} is not a file`);
  totalBytes = stat.size;
} catch {
  fail(`${file}: no such file`);
}

/**
 * The import Worker's configuration: the API's D1 bindings (of `--env` when named), remote with
 * `--remote`, and this run's token, in a private folder.
 */
function workerConfig(dir: string, token: string): string {
  const root = resolve(".");
  const api = parseToml(readFileSync(join(root, "wrangler.toml"), "utf8")) as Record<
    string,
    unknown
  > & { env?: Record<string, Record<string, unknown>> };
  const scope = values.env ? api.env?.[values.env] : api;
  if (!scope) fail(`wrangler.toml has no environment "${values.env}"`);
  const databases = (scope.d1_databases ?? []) as Record<string, unknown>[];
  const db = databases.find((d) => d.binding === "DB");
  if (!db)
    fail(`wrangler.toml binds no D1 database as DB${values.env ? ` in "${values.env}"` : ""}`);
  const config = {
    name: "edge-conversations-import",
    main: join(root, "src/import/worker.ts"),
    compatibility_date: scope.compatibility_date ?? api.compatibility_date,
    compatibility_flags: scope.compatibility_flags ?? api.compatibility_flags ?? [],
    // The directory and every shard: records go to the workspace's.
    d1_databases: databases.map((d) => ({
      binding: d.binding,
      database_name: d.database_name,
      database_id: d.database_id,
      ...(values.remote ? { remote: true } : {}),
    })),
    vars: { IMPORT_TOKEN: token },
  };
  const path = join(dir, "wrangler.json");
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}

const started = Date.now();
const tty = process.stderr.isTTY;
const summary = {
  records: 0,
  created: 0,
  unchanged: 0,
  rows: 0,
  rejected: [] as { position: number; reason: string }[],
  taken: [] as { position: number; reason: string }[],
  renamed: [] as { position: number; from: string; id: string }[],
};
const seen = new SeenKeys();
let bytesRead = 0;

function progress(final = false) {
  const seconds = (Date.now() - started) / 1000;
  const rate = summary.rows / Math.max(seconds, 0.001);
  const share = totalBytes > 0 ? bytesRead / totalBytes : 1;
  const eta = share > 0 ? (seconds / share) * (1 - share) : 0;
  const line = `${summary.records.toLocaleString("en")} records, ${summary.rows.toLocaleString("en")} rows, ${Math.round(rate).toLocaleString("en")} rows/s, ${summary.rejected.length + summary.taken.length} not imported`;
  if (tty && !final) {
    const width = 30;
    const bar = "#".repeat(Math.round(share * width)).padEnd(width, "-");
    process.stderr.write(
      `\r[${bar}] ${(share * 100).toFixed(0).padStart(3)}% ${line}, ETA ${Math.ceil(eta)} s   `,
    );
  } else {
    if (tty) process.stderr.write("\n");
    console.error(`import: ${(share * 100).toFixed(0)}% ${line}`);
  }
}

/** Counts what became of each record of a batch; a key seen before in the file is a repeat. */
function record(outcome: Outcome) {
  const { position } = outcome;
  if (outcome.status === "rejected") summary.rejected.push(outcome);
  else if (outcome.status === "taken") summary.taken.push(outcome);
  else {
    const earlier = seen.get(outcome.key);
    if (earlier !== undefined && earlier !== position) {
      // Only a key kept by an earlier batch gets here: the Worker refuses repeats within a batch.
      summary.rejected.push({
        position,
        reason: `id ${outcome.key} appears earlier in the file (#${earlier}); this record is not imported`,
      });
      return;
    }
    seen.set(outcome.key, position);
    if (outcome.from) summary.renamed.push({ position, from: outcome.from, id: outcome.id });
    if (outcome.status === "created") {
      summary.created++;
      summary.rows += outcome.rows;
    } else summary.unchanged++;
  }
}

let server: LocalServer | undefined;
const token = randomBytes(24).toString("hex");
const headers = { authorization: `Bearer ${token}` };

/**
 * A request to the import Worker with `node:http`: the body's pieces are written as they are
 * (the records' own bytes, no copy into one buffer), and no HTTP client library is loaded.
 */
function call(method: string, path: string, pieces: Uint8Array[] = []) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const url = new URL(path, server?.url);
    const length = pieces.reduce((sum, p) => sum + p.byteLength, 0);
    const request = httpRequest(
      url,
      { method, headers: { ...headers, "content-length": String(length) } },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (part: Buffer) => parts.push(part));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(parts).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    for (const piece of pieces) request.write(piece);
    request.end();
  });
}

async function send(pieces: Uint8Array[]) {
  const answer = await call(
    "POST",
    `/organizations/${organizationId}/${format}?now=${started}`,
    pieces,
  );
  if (answer.status !== 200) {
    throw new Error(`the import Worker answered ${answer.status}: ${answer.text.slice(0, 500)}`);
  }
  const { outcomes } = JSON.parse(answer.text) as { outcomes: Outcome[] };
  for (const outcome of outcomes) record(outcome);
  progress();
}

/*
 * One batch is sent while the next is read: `inflight` is the batch being written, `failure`
 * what went wrong with it (kept, not thrown, until the next batch waits for it).
 */
let inflight: Promise<void> = Promise.resolve();
let failure: unknown;
let batch: Uint8Array[] = [];
let batchBytes = 0;
let batchCount = 0;

async function dispatch() {
  if (batchCount === 0) return;
  const pieces = batch;
  batch = [];
  batchBytes = 0;
  batchCount = 0;
  await inflight;
  if (failure) throw failure;
  inflight = send(pieces).catch((error: unknown) => {
    failure = error;
  });
}

async function take(split: SplitRecord) {
  summary.records++;
  const position = summary.records;
  if (split.tooLarge) {
    summary.rejected.push({
      position,
      reason: `record is ${(split.size / 2 ** 20).toFixed(1)} MiB, more than the ${MAX_RECORD_BYTES / 2 ** 20} MiB a record may be`,
    });
    return;
  }
  batch.push(...framePieces(position, split.pieces));
  batchBytes += split.size;
  batchCount++;
  if (batchBytes >= BATCH_BYTES || batchCount >= batchRecords) await dispatch();
}

const work = mkdtempSync(join(tmpdir(), "import-"));
// However the run ends (`fail` exits at once), the Worker and its private folder go with it.
process.on("exit", () => {
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  rmSync(work, { recursive: true, force: true });
});
try {
  try {
    server = await startLocalServer({
      config: workerConfig(work, token),
      persist: values.remote
        ? undefined
        : resolve(process.env.LOCAL_D1_PERSIST_TO ?? ".wrangler/state"),
      quiet: true,
    });
  } catch (error) {
    fail(`could not start the import Worker: ${error instanceof Error ? error.message : error}`);
  }
  // The workspace must exist: a typo would otherwise import into nothing.
  const found = await call("GET", `/organizations/${organizationId}`);
  if (found.status === 404) fail(`no organization ${organizationId} in this database`);
  if (found.status !== 200) fail(`the import Worker answered ${found.status}: ${found.text}`);

  let splitter: JsonArraySplitter | JsonLinesSplitter | undefined =
    format === "tether" ? new JsonArraySplitter("data", MAX_RECORD_BYTES) : undefined;
  let first = true;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 18 })) {
      let bytes = chunk as Buffer;
      bytesRead += bytes.byteLength;
      if (first) {
        first = false;
        if (UTF8_BOM.every((b, i) => bytes[i] === b)) bytes = bytes.subarray(3);
      }
      if (!splitter) {
        // A Trillet file is a JSON array, or one conversation per line.
        const start = bytes.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
        if (start < 0) continue;
        splitter =
          bytes[start] === 0x5b
            ? new JsonArraySplitter(undefined, MAX_RECORD_BYTES)
            : new JsonLinesSplitter(MAX_RECORD_BYTES);
      }
      for (const split of splitter.push(bytes)) await take(split);
    }
    for (const split of splitter?.end() ?? []) await take(split);
    await dispatch();
    await inflight;
    if (failure) throw failure;
  } catch (error) {
    fail(
      `${file}: ${error instanceof Error ? error.message : String(error)} (after ${summary.records} records)`,
    );
  }
} finally {
  await server?.stop();
  server = undefined;
}

progress(true);
const seconds = (Date.now() - started) / 1000;
const accepted = summary.created + summary.unchanged;
const notImported = summary.rejected.length + summary.taken.length;
const list = <T>(items: T[], line: (item: T) => string) => [
  ...items.slice(0, 50).map(line),
  ...(items.length > 50 ? [`  … and ${items.length - 50} more`] : []),
];
const byPosition = <T extends { position: number }>(items: T[]) =>
  items.sort((a, b) => a.position - b.position);
console.log(
  [
    `import: ${format} ${file} into ${organizationId}${values.remote ? " (remote)" : ""}`,
    `  records: ${summary.records} (${accepted} accepted, ${summary.rejected.length} rejected)`,
    `  created: ${summary.created} ${format === "trillet" ? "conversations" : "snapshots"}; unchanged (already there): ${summary.unchanged}`,
    ...(summary.taken.length > 0
      ? [
          `  not imported, id held by another organization: ${summary.taken.length} (give these records new ids)`,
          ...list(byPosition(summary.taken), (t) => `    #${t.position} ${t.reason}`),
        ]
      : []),
    ...(summary.renamed.length > 0
      ? [
          `  new ids (the file's id is held by another organization): ${summary.renamed.length}`,
          ...list(
            byPosition(summary.renamed),
            (r) => `    #${r.position} snapshot ${r.from} → ${r.id}`,
          ),
        ]
      : []),
    `  rows written: ${summary.rows} in ${seconds.toFixed(1)} s (${Math.round(summary.rows / Math.max(seconds, 0.001))} rows/s); peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    ...list(byPosition(summary.rejected), (r) => `  rejected #${r.position}: ${r.reason}`),
  ].join("\n"),
);
process.exitCode = notImported > 0 ? 1 : 0;
