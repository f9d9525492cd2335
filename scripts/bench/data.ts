/**
 * The benchmark's data: a local D1 (a wrangler state folder) with the real migrations, the demo
 * seed, and generated rows in the demo organization: `rows` conversations of 10 messages and as
 * many snapshots of 10 message copies, loaded through `wrangler d1 execute` in chunk files whose
 * statements stay within D1's limits (≤ 100 rows and ≤ 100 KB each). Among them, fixed rows the
 * benchmark addresses by id (FIXED): snapshots of 10 and 1,000 messages, a conversation of 10.
 *
 * A dataset is built on first use and kept in .wrangler/bench/, named by everything that shapes
 * it (its size, the migrations, the seed and this file), so a later run reuses it until one of
 * them changes. Servers get copies (./servers.ts): they write.
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MAX_WEBHOOKS } from "../../src/surfaces/training-api/webhooks/webhooks.schemas";
import { d1Bindings } from "../lib/d1-bindings";
import { ALICE, ACME as ORG } from "../seed/demo-data";
import { literal } from "../seed/sql";
import { seedStatements } from "../seed/statements";
import { say, status } from "./report";

export const FIXED = {
  snapshot10: "b0000000000000000000a010",
  snapshot1000: "b0000000000000000000a999",
  conversation10: "b0000000000000000000c010",
} as const;

const MESSAGES_PER = 10;
const CACHE = ".wrangler/bench";
const MAX_ROWS_PER_STATEMENT = 100;
const MAX_STATEMENT_BYTES = 100_000;
const ROWS_PER_FILE = 60_000;
// After every demo row, so the first pages of every list hold generated rows only.
const BASE = Date.parse("2026-11-01T00:00:00.000Z");
// The seed's reviews are dated the week before its day: a fixed day before BASE keeps them
// behind the generated rows, and the seed (so the dataset's name) the same from day to day.
const SEED_TIME = Date.parse("2026-10-20T00:00:00.000Z");

type Row = (string | number | boolean | null)[];

/** Writes multi-row INSERTs into numbered chunk files, then applies each with wrangler. */
class ChunkWriter {
  private lines: string[] = [];
  private rowsInFile = 0;
  readonly files: string[] = [];

  constructor(private readonly dir: string) {}

  insert(table: string, columns: string[], rows: Row[]) {
    const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES `;
    let values: string[] = [];
    let bytes = head.length;
    const flush = () => {
      if (values.length === 0) return;
      this.lines.push(`${head}${values.join(",")};`);
      this.rowsInFile += values.length;
      values = [];
      bytes = head.length;
      if (this.rowsInFile >= ROWS_PER_FILE) this.closeFile();
    };
    for (const row of rows) {
      const tuple = `(${row.map((v) => literal(v)).join(",")})`;
      if (
        values.length >= MAX_ROWS_PER_STATEMENT ||
        bytes + tuple.length + 1 > MAX_STATEMENT_BYTES
      ) {
        flush();
      }
      values.push(tuple);
      bytes += tuple.length + 1;
    }
    flush();
  }

  closeFile() {
    if (this.lines.length === 0) return;
    const file = join(this.dir, `chunk-${String(this.files.length).padStart(4, "0")}.sql`);
    writeFileSync(file, `${this.lines.join("\n")}\n`);
    this.files.push(file);
    this.lines = [];
    this.rowsInFile = 0;
  }
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
/** ObjectId-shaped: seconds of `at`, then a kind byte and a counter, so ids sort by time. */
const objectId = (at: number, kind: number, n: number) =>
  hex(Math.floor(at / 1000), 8) + hex(kind, 2) + hex(n, 14);

function generate(writer: ChunkWriter, rows: number) {
  // One contact per conversation, so that the contacts list has its page 500 too.
  const contactsCount = rows;
  const contactIds: string[] = [];
  const contactRows: Row[] = [];
  for (let i = 0; i < contactsCount; i++) {
    const at = BASE + i;
    const id = objectId(at, 0xc0, i);
    contactIds.push(id);
    contactRows.push([
      id,
      ORG,
      `First${i}`,
      `Last${i}`,
      `+1415${hex(i, 7)}`,
      `c${i}@example.com`,
      "sms",
      at,
      at,
    ]);
  }
  writer.insert(
    "contacts",
    [
      "id",
      "organization_id",
      "first_name",
      "last_name",
      "phone_number",
      "email",
      "channel_type",
      "created_at",
      "updated_at",
    ],
    contactRows,
  );

  const conversationColumns = [
    "id",
    "organization_id",
    "contact_id",
    "user_id",
    "pathway_id",
    "agent_id",
    "created_at",
    "updated_at",
  ];
  const messageColumns = [
    "id",
    "organization_id",
    "conversation_id",
    "direction",
    "sender_type",
    "sent",
    "message",
    "status",
    "created_at",
    "updated_at",
  ];
  const draftColumns = [
    "message_id",
    "organization_id",
    "conversation_id",
    "agent_id",
    "pathway_id",
    "model",
    "prompt_version",
    "draft",
    "final",
    "outcome",
    "reason",
    "drafted_at",
    "reviewed_at",
    "review_ms",
    "edit_distance",
  ];
  const outcomes = ["approved", "edited", "rejected"] as const;
  const conversationRows: Row[] = [];
  let messageRows: Row[] = [];
  let draftRows: Row[] = [];
  // Parents first: conversations, then their messages, then the drafts among them.
  const flushMessages = () => {
    writer.insert("conversations", conversationColumns, conversationRows.splice(0));
    writer.insert("messages", messageColumns, messageRows);
    writer.insert("drafts", draftColumns, draftRows);
    messageRows = [];
    draftRows = [];
  };
  for (let i = 0; i < rows; i++) {
    const at = BASE + 1_000_000 + i * 1000;
    const id = i === 0 ? FIXED.conversation10 : objectId(at, 0xd0, i);
    const messagesHere = i === 0 ? 10 : MESSAGES_PER;
    conversationRows.push([
      id,
      ORG,
      contactIds[i % contactsCount] as string,
      null,
      `pw-${i % 10}`,
      `ag-${i % 20}`,
      at,
      at + messagesHere * 10,
    ]);
    for (let j = 0; j < messagesHere; j++) {
      const outbound = j % 2 === 0;
      messageRows.push([
        objectId(at, 0xe0, i * 1000 + j),
        ORG,
        id,
        outbound ? "outbound" : "inbound",
        outbound ? "AI" : "human",
        true,
        outbound
          ? `Reply ${j} to conversation ${i}: thanks for reaching out, here is what we can do.`
          : `Question ${j} in conversation ${i}?`,
        outbound ? "delivered" : "received",
        at + j * 10,
        at + j * 10,
      ]);
    }
    // Each conversation's first reply was an AI draft a person reviewed: the reviews list.
    const outcome = outcomes[i % outcomes.length] as (typeof outcomes)[number];
    const drafted = `Reply 0 to conversation ${i}: thanks for reaching out, here is what we can do.`;
    draftRows.push([
      objectId(at, 0xe0, i * 1000),
      ORG,
      id,
      `ag-${i % 20}`,
      `pw-${i % 10}`,
      "bench-model",
      "v1",
      drafted,
      outcome === "rejected" ? null : outcome === "edited" ? `${drafted} Edited.` : drafted,
      outcome,
      outcome === "rejected" ? "off topic" : null,
      at - 5_000,
      at,
      5_000,
      outcome === "edited" ? 8 : outcome === "approved" ? 0 : null,
    ]);
    if (messageRows.length >= 5000) flushMessages();
  }
  flushMessages();

  const snapshotColumns = [
    "id",
    "organization_id",
    "user_id",
    "contact_id",
    "conversation_id",
    "customer_name",
    "customer_phone",
    "customer_email",
    "message_count",
    "snapshot_date",
    "conversation_start_date",
    "conversation_end_date",
    "notes",
    "tags",
    "quality",
    "category",
    "is_archived",
    "version",
    "created_at",
    "updated_at",
  ];
  const copyColumns = [
    "snapshot_id",
    "position",
    "organization_id",
    "message_id",
    "content",
    "sender",
    "sender_type",
    "timestamp",
  ];
  const tagColumns = ["snapshot_id", "tag", "organization_id", "is_archived", "created_at"];
  const qualities = ["good", "neutral", "bad"];
  const tagPool = ["sales", "pricing", "support", "refund", "upsell", "churn"];
  let snapshotRows: Row[] = [];
  let copyRows: Row[] = [];
  let tagRows: Row[] = [];
  const flushSnapshots = () => {
    writer.insert("training_snapshots", snapshotColumns, snapshotRows);
    writer.insert("training_snapshot_messages", copyColumns, copyRows);
    writer.insert("training_snapshot_tags", tagColumns, tagRows);
    snapshotRows = [];
    copyRows = [];
    tagRows = [];
  };
  const total = rows + 2;
  for (let i = 0; i < total; i++) {
    const at = BASE + 2_000_000 + i * 1000;
    const id = i === 0 ? FIXED.snapshot10 : i === 1 ? FIXED.snapshot1000 : objectId(at, 0xf0, i);
    const count = i === 0 ? 10 : i === 1 ? 1000 : MESSAGES_PER;
    const tags = [
      tagPool[i % tagPool.length] as string,
      tagPool[(i * 7 + 1) % tagPool.length] as string,
    ].filter((t, k, all) => all.indexOf(t) === k);
    snapshotRows.push([
      id,
      ORG,
      ALICE,
      contactIds[i % contactsCount] as string,
      null,
      `First${i} Last${i}`,
      `+1415${hex(i, 7)}`,
      `c${i}@example.com`,
      count,
      at,
      at - count * 10,
      at - 10,
      `Snapshot ${i} notes`,
      JSON.stringify(tags),
      qualities[i % 3] as string,
      i % 2 ? "support" : "sales",
      false,
      1,
      at,
      at,
    ]);
    for (let p = 0; p < count; p++) {
      const user = p % 2 === 0;
      copyRows.push([
        id,
        p,
        ORG,
        objectId(at, 0xa0, i * 1000 + p),
        user
          ? `Answer ${p} of snapshot ${i}, with enough text to look like a real reply.`
          : `Customer line ${p}?`,
        user ? "user" : "contact",
        user ? "AI" : "human",
        at - (count - p) * 10,
      ]);
    }
    for (const tag of tags) tagRows.push([id, tag, ORG, false, at]);
    if (copyRows.length >= 5000) flushSnapshots();
  }
  flushSnapshots();

  // The administration lists hold a few rows in the seed: enough more API keys for a list of 20
  // (listed whole), and the most webhook endpoints an organization may have (MAX_WEBHOOKS). No
  // endpoint listens to an event a write of the benchmark announces: the first (enabled)
  // receives test events only, the others are paused.
  const ADMIN_ROWS = 24;
  const keys: Row[] = [];
  const endpoints: Row[] = [];
  // Users: as many as conversations, so that the users list has its page 500 too.
  const people: Row[] = [];
  const userColumns = [
    "id",
    "organization_id",
    "first_name",
    "last_name",
    "email",
    "role",
    "password_hash",
    "created_at",
    "updated_at",
  ];
  for (let i = 0; i < Math.max(rows, ADMIN_ROWS); i++) {
    const at = BASE + 3_000_000 + i * 1000;
    people.push([
      objectId(at, 0xb1, i),
      ORG,
      `User${i}`,
      `Bench${i}`,
      `user${i}@bench.example.com`,
      "agent",
      "",
      at,
      at,
    ]);
    // API keys are listed whole, not paged: with the seed's key, 20.
    if (i < 19)
      keys.push([
        objectId(at, 0xb2, i),
        ORG,
        `bench key ${i}`,
        `bench_${hex(i, 4)}`,
        hex(i, 64),
        null,
        at,
      ]);
    if (i < MAX_WEBHOOKS) {
      endpoints.push([
        objectId(at, 0xb3, i),
        ORG,
        `https://hooks.example.com/bench/${i}`,
        JSON.stringify([i === 0 ? "training.snapshot.deleted" : "conversation.created"]),
        `whsec_${hex(i, 32)}`,
        i === 0,
        at,
        at,
      ]);
    }
  }
  writer.insert("users", userColumns, people);
  writer.insert(
    "api_keys",
    ["id", "organization_id", "name", "prefix", "key_hash", "created_by_user_id", "created_at"],
    keys,
  );
  writer.insert(
    "webhook_endpoints",
    ["id", "organization_id", "url", "events", "secret", "enabled", "created_at", "updated_at"],
    endpoints,
  );
  writer.closeFile();
}

/** A wrangler command; what it says on stderr shows only in the error when it fails. */
function wrangler(args: string[]) {
  execFileSync("wrangler", args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, CI: "1" },
  });
}

/** "1k", "12k", "100k". */
export const rowsLabel = (rows: number) => `${rows / 1000}k`;

/** The state folder of the dataset of `rows` rows per table, built first if need be. */
export async function dataset(rows: number): Promise<string> {
  const seed = (await seedStatements({ now: SEED_TIME })).join("\n");
  const hash = createHash("sha256").update(`${rows}\n${seed}\n`);
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const file of readdirSync("migrations")
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash.update(readFileSync(join("migrations", file)));
  }
  const label = rowsLabel(rows);
  const dir = join(CACHE, `${label}-${hash.digest("hex").slice(0, 12)}`);
  if (existsSync(dir)) return dir;

  // Older builds of this size go; a build lands under its name only once complete.
  mkdirSync(CACHE, { recursive: true });
  for (const old of readdirSync(CACHE).filter((f) => f.startsWith(`${label}-`))) {
    rmSync(join(CACHE, old), { recursive: true, force: true });
  }
  const building = `${dir}.partial`;
  const work = join(building, "sql");
  mkdirSync(work, { recursive: true });
  const started = Date.now();
  status(`data ${label}: migrations and seed …`);
  const local = ["DB", "--local", "--persist-to", building];
  // Every shard gets the migrations (a login looks on each); the data goes to DB.
  for (const binding of d1Bindings()) {
    wrangler(["d1", "migrations", "apply", binding, "--local", "--persist-to", building]);
  }
  writeFileSync(join(work, "seed.sql"), `${seed}\n`);
  wrangler(["d1", "execute", ...local, "--file", join(work, "seed.sql")]);
  const writer = new ChunkWriter(work);
  generate(writer, rows);
  writer.files.forEach((file, i) => {
    status(`data ${label}: chunk ${i + 1}/${writer.files.length} …`);
    wrangler(["d1", "execute", ...local, "--file", file]);
  });
  rmSync(work, { recursive: true, force: true });
  renameSync(building, dir);
  say(`data ${label}: built in ${Math.round((Date.now() - started) / 1000)} s (${dir})`);
  return dir;
}
