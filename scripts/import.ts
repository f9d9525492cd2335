/**
 * `npm run import -- --format trillet|tether --workspace <orgId> <file> [--remote] [--env <name>]`
 *
 * Loads a vendor's file into the local dev database (default) or the deployed one:
 * - trillet: conversations in the GET-by-id shape, as a JSON array or JSON lines; ids kept;
 * - tether: the training export document (`{ …, "data": [ … ] }`); each item becomes a contact
 *   (matched by phone, then email) and a snapshot with its messages.
 * The file is streamed (never read whole); records are validated with the API's own schemas and
 * written in chunks through `wrangler d1 execute --file`, each statement under D1's size limit.
 * Running the same file again changes nothing. Progress on a terminal (plain lines otherwise),
 * a summary at the end, exit status 1 when any record was rejected (each named by its position
 * and the rule it broke). LOCAL_D1_PERSIST_TO points local runs at another state folder.
 */
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  chunkStatements,
  type Format,
  type Planned,
  planRecord,
  type Rejection,
} from "./import/records";
import { JsonArraySplitter } from "./import/split";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    format: { type: "string" },
    workspace: { type: "string" },
    remote: { type: "boolean", default: false },
    env: { type: "string" },
    "chunk-rows": { type: "string", default: "40000" },
  },
});

function fail(message: string): never {
  console.error(`import: ${message}`);
  process.exit(2);
}

const format = values.format as Format;
if (format !== "trillet" && format !== "tether") fail("--format must be trillet or tether");
const organizationId = values.workspace?.toLowerCase() ?? "";
if (!/^[0-9a-f]{24}$/.test(organizationId))
  fail("--workspace must be the organization's 24-hex id");
const file = positionals[0];
if (!file) fail("name the file to import");
const chunkRows = Number(values["chunk-rows"]);
const totalBytes = statSync(file).size;

function wrangler(args: string[]): unknown {
  const target = values.remote ? ["--remote"] : ["--local"];
  const persist = process.env.LOCAL_D1_PERSIST_TO;
  if (!values.remote && persist) target.push("--persist-to", persist);
  if (values.env) target.push("--env", values.env);
  const output = execFileSync("wrangler", ["d1", "execute", "DB", ...target, "--json", ...args], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "1" },
  });
  return JSON.parse(output);
}

// The workspace must exist: a typo would otherwise import into nothing (every row refused).
const found = wrangler([
  "--command",
  `select count(*) as n from organizations where id = '${organizationId}'`,
]) as {
  results: { n: number }[];
}[];
if (found[0]?.results[0]?.n !== 1) fail(`no organization ${organizationId} in this database`);

const work = mkdtempSync(join(tmpdir(), "import-"));
const started = Date.now();
const tty = process.stderr.isTTY;
const summary = {
  records: 0,
  created: 0,
  rows: 0,
  rejected: [] as Rejection[],
  /** Ids another organization holds: those records were not imported. */
  taken: [] as string[],
};
let bytesRead = 0;
let pending: Planned[] = [];
let pendingRows = 0;

function progress(final = false) {
  const seconds = (Date.now() - started) / 1000;
  const rate = summary.rows / Math.max(seconds, 0.001);
  const share = totalBytes > 0 ? bytesRead / totalBytes : 1;
  const eta = share > 0 ? (seconds / share) * (1 - share) : 0;
  const line = `${summary.records.toLocaleString("en")} records, ${summary.rows.toLocaleString("en")} rows, ${Math.round(rate).toLocaleString("en")} rows/s, ${summary.rejected.length} rejected`;
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

function flush() {
  if (pending.length === 0) return;
  const sqlFile = join(work, "chunk.sql");
  writeFileSync(sqlFile, `${chunkStatements(organizationId, pending).join("\n")}\n`);
  const results = wrangler(["--file", sqlFile]) as {
    results: { created?: number; taken_id?: string }[];
  }[];
  for (const result of results) {
    summary.created += result.results[0]?.created ?? 0;
    for (const row of result.results) if (row.taken_id) summary.taken.push(row.taken_id);
  }
  summary.rows += pendingRows;
  pending = [];
  pendingRows = 0;
  progress();
}

function take(text: string) {
  summary.records++;
  const planned = planRecord(format, text, organizationId, started);
  if (typeof planned === "string") {
    summary.rejected.push({ position: summary.records, reason: planned });
    return;
  }
  pending.push(planned);
  pendingRows += planned.rows;
  if (pendingRows >= chunkRows) flush();
}

try {
  const splitter = format === "tether" ? new JsonArraySplitter("data") : undefined;
  let mode: "array" | "lines" | undefined = format === "tether" ? "array" : undefined;
  let arraySplitter = splitter;
  let line = "";
  // Strict UTF-8: bytes that are not UTF-8 stop the import instead of becoming U+FFFD.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const decode = (bytes?: Buffer) => {
    try {
      return decoder.decode(bytes, { stream: bytes !== undefined });
    } catch {
      throw new Error(`not valid UTF-8 (within its first ${bytesRead} bytes)`);
    }
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    bytesRead += (chunk as Buffer).length;
    let text = decode(chunk as Buffer);
    if (mode === undefined) {
      // A Trillet file is a JSON array, or one conversation per line.
      const first = text.trimStart()[0];
      if (first === undefined) continue;
      mode = first === "[" ? "array" : "lines";
      if (mode === "array") arraySplitter = new JsonArraySplitter();
    }
    if (mode === "array") {
      for (const element of (arraySplitter as JsonArraySplitter).push(text)) take(element);
    } else {
      text = line + text;
      const lines = text.split("\n");
      line = lines.pop() ?? "";
      for (const l of lines) if (l.trim()) take(l);
    }
  }
  decode();
  if (mode === "array") (arraySplitter as JsonArraySplitter).end();
  else if (line.trim()) take(line);
  flush();
} catch (error) {
  if (tty) process.stderr.write("\n");
  fail(
    `${file}: ${error instanceof Error ? error.message : String(error)} (after ${summary.records} records)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

progress(true);
const seconds = (Date.now() - started) / 1000;
const accepted = summary.records - summary.rejected.length;
console.log(
  [
    `import: ${format} ${file} into ${organizationId}${values.remote ? " (remote)" : ""}`,
    `  records: ${summary.records} (${accepted} accepted, ${summary.rejected.length} rejected)`,
    `  created: ${summary.created} ${format === "trillet" ? "conversations" : "snapshots"}; unchanged (already there): ${accepted - summary.created - summary.taken.length}`,
    ...(summary.taken.length > 0
      ? [
          `  not imported, id held by another organization: ${summary.taken.length} (give these records new ids)`,
          ...summary.taken.slice(0, 50).map((id) => `  taken: ${id}`),
        ]
      : []),
    `  rows written or checked: ${summary.rows} in ${seconds.toFixed(1)} s (${Math.round(summary.rows / Math.max(seconds, 0.001))} rows/s)`,
    ...summary.rejected.slice(0, 50).map((r) => `  rejected #${r.position}: ${r.reason}`),
    ...(summary.rejected.length > 50 ? [`  … and ${summary.rejected.length - 50} more`] : []),
  ].join("\n"),
);
process.exitCode = summary.rejected.length > 0 || summary.taken.length > 0 ? 1 : 0;
