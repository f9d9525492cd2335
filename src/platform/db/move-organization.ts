import { getTableName, is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { jsonChunks } from "./chunked-insert";
import * as schema from "./schema";
import { shardBindings } from "./shards";

/*
 * Moving one organization from its shard to another (docs/sharding.md), as steps that a Workflow
 * runs one by one (move-workflow.ts). Every step can run again after a crash with the same
 * result, and the organization is served by exactly one shard at every point:
 *
 *   1. fence the target: it refers every request to the source (`moved` → source);
 *   2. freeze the source: reads served, writes refused with 503;
 *   3. clear the target of anything a failed move left there; copy every table, in pages;
 *   4. verify: row counts and a checksum per table, on both sides;
 *   5. switch: target frozen, source `moved` → target (the commit: from here the target holds
 *      the organization), target open, directory updated;
 *   6. delete the source's rows, in pages. The source keeps its `moved` fence, so an isolate
 *      whose cache predates the move is sent to the target.
 *
 * Before step 5 the source is the organization's shard; from it, the target. A move that stopped
 * before it starts again at step 1; one that stopped after it goes on from step 5.
 */

export interface MoveRequest {
  organizationId: string;
  /** The binding of the shard to move to. */
  to: string;
}

/** A table whose rows belong to organizations, and how to find one organization's rows. */
export interface MovedTable {
  name: string;
  columns: string[];
  /** SQL true of the organization's rows, with one `?` for its id. */
  owned: string;
}

/** Rows read or written per statement; a step handles pages until its budget is spent. */
const PAGE_ROWS = 500;
/** A step stops after this long or this many pages, whichever comes first, and returns. */
const STEP_BUDGET_MS = 5_000;
const STEP_PAGES = 40;

const quote = (name: string) => `"${name}"`;

/**
 * A pause between pages. Under `wrangler dev` the move and every request share one thread, and a
 * move that goes from page to page without a timer in between held requests back for its whole
 * length (8 s for 120,000 rows); on Cloudflare a step runs apart from requests and this costs
 * a millisecond a page.
 */
const yieldToRequests = () => new Promise((resolve) => setTimeout(resolve, 1));

/** Outside any organization: the directory's login lockout, and the fences themselves. */
const SHARED_TABLES = new Set(["login_failures", "organization_fences", "fence_trips"]);

/**
 * Every table of the schema that holds organizations' rows, parents before children (the order of
 * a copy; a delete goes the other way). Derived from the Drizzle tables, so a new table is moved
 * without a change here; `organizations` first, since every other row refers to it.
 */
export const MOVED_TABLES: MovedTable[] = (() => {
  const tables = (Object.values(schema) as unknown[]).filter((value): value is SQLiteTable =>
    is(value, SQLiteTable),
  );
  const configs = new Map(
    tables
      .map((table) => getTableConfig(table))
      .filter((config) => !SHARED_TABLES.has(config.name))
      .map((config) => [config.name, config]),
  );
  const ordered: MovedTable[] = [];
  const placed = new Set<string>();
  const place = (name: string) => {
    if (placed.has(name)) return;
    placed.add(name);
    const config = configs.get(name);
    if (!config) throw new Error(`${name} is referred to but is not a moved table`);
    const parents = config.foreignKeys.map((fk) => getTableName(fk.reference().foreignTable));
    for (const parent of parents) if (parent !== name) place(parent);
    // The directory's own column is not the organization's data: each database keeps its own.
    const columns = config.columns
      .map((column) => column.name)
      .filter((column) => !(name === "organizations" && column === "shard"));
    ordered.push({ name, columns, owned: ownedRows(config, configs) });
  };
  for (const name of [...configs.keys()].sort()) place(name);
  return ordered;
})();

function ownedRows(
  config: ReturnType<typeof getTableConfig>,
  configs: Map<string, ReturnType<typeof getTableConfig>>,
): string {
  if (config.name === "organizations") return `"id" = ?`;
  if (config.columns.some((column) => column.name === "organization_id")) {
    return `"organization_id" = ?`;
  }
  // A table without the column (refresh tokens) belongs through its parent (the session).
  for (const fk of config.foreignKeys) {
    const reference = fk.reference();
    const parent = configs.get(getTableName(reference.foreignTable));
    if (!parent?.columns.some((column) => column.name === "organization_id")) continue;
    const local = reference.columns.map((c) => quote(c.name)).join(", ");
    const foreign = reference.foreignColumns.map((c) => quote(c.name)).join(", ");
    return `(${local}) in (select ${foreign} from ${quote(parent.name)} where "organization_id" = ?)`;
  }
  throw new Error(`No way to tell which organization owns the rows of ${config.name}`);
}

const tableNamed = (name: string): MovedTable => {
  const table = MOVED_TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`Unknown table ${name}`);
  return table;
};

export function shardNamed(env: Env, binding: string): D1Database {
  const found = shardBindings(env).find(([name]) => name === binding);
  if (!found) throw new MoveRefused(`There is no shard ${binding}: ${shardNames(env)}`);
  return found[1];
}

const shardNames = (env: Env) =>
  `the shards are ${shardBindings(env)
    .map(([name]) => name)
    .join(", ")}`;

/** A move that cannot be done as asked: said once, not retried. */
export class MoveRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MoveRefused";
  }
}

// ---------------------------------------------------------------------------------------------
// 0. The plan: where the organization is, and how far a previous move got.

export interface MovePlan {
  organizationId: string;
  from: string;
  to: string;
  /** `copy`: from step 1; `switch`: the source is already marked moved, from step 5; `done`. */
  phase: "copy" | "switch" | "cleanup" | "done";
}

interface FenceRow {
  state: "frozen" | "moved";
  moved_to: string | null;
}

const fenceOf = (d1: D1Database, organizationId: string) =>
  d1
    .prepare("select state, moved_to from organization_fences where organization_id = ?")
    .bind(organizationId)
    .first<FenceRow>();

export async function planMove(env: Env, request: MoveRequest): Promise<MovePlan> {
  const { organizationId, to } = request;
  shardNamed(env, to);
  const row = await env.DB.prepare("select shard from organizations where id = ?")
    .bind(organizationId)
    .first<{ shard: string }>();
  if (!row) throw new MoveRefused(`There is no organization ${organizationId}`);
  const plan = { organizationId, to };
  if (row.shard === to) {
    // Already switched: a source that still holds rows is cleaned up; else nothing to do.
    for (const [binding, d1] of shardBindings(env)) {
      if (binding === to) continue;
      const fence = await fenceOf(d1, organizationId);
      if (
        fence?.state === "moved" &&
        fence.moved_to === to &&
        (await holdsRows(d1, organizationId))
      )
        return { ...plan, from: binding, phase: "cleanup" };
    }
    return { ...plan, from: to, phase: "done" };
  }
  const from = row.shard;
  const fence = await fenceOf(shardNamed(env, from), organizationId);
  if (fence?.state === "moved") {
    if (fence.moved_to !== to) {
      throw new MoveRefused(
        `Organization ${organizationId} is half moved from ${from} to ${fence.moved_to}: finish that move first`,
      );
    }
    return { ...plan, from, phase: "switch" };
  }
  return { ...plan, from, phase: "copy" };
}

/** Whether the shard holds any row of the organization's tables but the directory's own. */
async function holdsRows(d1: D1Database, organizationId: string): Promise<boolean> {
  for (const table of MOVED_TABLES) {
    if (table.name === "organizations") continue;
    const row = await d1
      .prepare(`select 1 from ${quote(table.name)} where ${table.owned} limit 1`)
      .bind(organizationId)
      .first();
    if (row) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// 1, 2, 5. Fences.

async function setFence(
  d1: D1Database,
  organizationId: string,
  state: "frozen" | "moved",
  movedTo: string | null,
): Promise<void> {
  await d1
    .prepare(
      "insert into organization_fences (organization_id, state, moved_to, since) values (?, ?, ?, ?) on conflict (organization_id) do update set state = excluded.state, moved_to = excluded.moved_to, since = excluded.since",
    )
    .bind(organizationId, state, movedTo, Date.now())
    .run();
}

/** 1. The target refers every request to the source until the switch. */
export const fenceTarget = (env: Env, plan: MovePlan) =>
  setFence(shardNamed(env, plan.to), plan.organizationId, "moved", plan.from);

/** 2. The source serves reads and refuses writes while it is copied. */
export const freezeSource = (env: Env, plan: MovePlan) =>
  setFence(shardNamed(env, plan.from), plan.organizationId, "frozen", null);

/**
 * 5. The switch, in an order where every request finds exactly one shard serving it: the target
 * serves reads of the verified copy; the source sends everything to the target (the commit);
 * the target takes writes; the directory names it, for isolates that look it up from now on.
 */
export async function switchShards(env: Env, plan: MovePlan): Promise<void> {
  const target = shardNamed(env, plan.to);
  const { organizationId } = plan;
  if (plan.phase === "copy") await setFence(target, organizationId, "frozen", null);
  await setFence(shardNamed(env, plan.from), organizationId, "moved", plan.to);
  await target
    .prepare("delete from organization_fences where organization_id = ?")
    .bind(organizationId)
    .run();
  await env.DB.prepare("update organizations set shard = ? where id = ?")
    .bind(plan.to, organizationId)
    .run();
}

// ---------------------------------------------------------------------------------------------
// 3. Copy.

export interface Progress {
  /** The rowid after which the next step goes on; null when the table is done. */
  cursor: number | null;
  rows: number;
  /** Characters of JSON the rows took: the measure of a move's size. */
  bytes: number;
}

const pageOf = (d1: D1Database, table: MovedTable, organizationId: string, after: number) =>
  // `+` keeps SQLite off the organization index: the pages walk the table in rowid order (the
  // cursor), one pass over it whatever the organization's share.
  d1
    .prepare(
      `select rowid as "__rowid", ${table.columns.map(quote).join(", ")} from ${quote(table.name)} where ${table.owned.replace(/^"organization_id"/, '+"organization_id"')} and rowid > ? order by rowid limit ${PAGE_ROWS}`,
    )
    .bind(organizationId, after)
    .raw<unknown[]>();

/**
 * Copies the table's rows of the organization after `after` (a rowid of the source), page by
 * page, until the step's budget is spent. Rows already there (a step run twice) are kept.
 */
export async function copyTable(
  env: Env,
  plan: MovePlan,
  tableName: string,
  after: number,
): Promise<Progress> {
  const table = tableNamed(tableName);
  const source = shardNamed(env, plan.from);
  const target = shardNamed(env, plan.to);
  const started = Date.now();
  const columns = table.columns.map(quote).join(", ");
  const values = table.columns.map((_, i) => `"value" ->> '$[${i}]'`).join(", ");
  const insert = `insert into ${quote(table.name)} (${columns}) select ${values} from json_each(?) where true on conflict do nothing`;
  let cursor = after;
  let rows = 0;
  let bytes = 0;
  for (let page = 0; page < STEP_PAGES && Date.now() - started < STEP_BUDGET_MS; page++) {
    const found = await pageOf(source, table, plan.organizationId, cursor);
    if (found.length === 0) return { cursor: null, rows, bytes };
    const chunks = jsonChunks(found.map(([, ...row]) => row));
    await target.batch(chunks.map((json) => target.prepare(insert).bind(json)));
    cursor = Number(found[found.length - 1]?.[0]);
    await yieldToRequests();
    rows += found.length;
    bytes += chunks.reduce((sum, json) => sum + json.length, 0);
    if (found.length < PAGE_ROWS) return { cursor: null, rows, bytes };
  }
  return { cursor, rows, bytes };
}

// ---------------------------------------------------------------------------------------------
// 4. Verify.

export interface Checksum {
  cursor: number | null;
  rows: number;
  /** The sum, modulo 2^64, of the first 8 bytes of each row's SHA-256: order-free. */
  sum: string;
}

/** The checksum of a row: its values in column order, as JSON (the same on any shard). */
async function rowHash(row: unknown[]): Promise<bigint> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(JSON.stringify(row)),
  );
  return new DataView(digest).getBigUint64(0);
}

const MOD = 1n << 64n;

/** Counts and checksums the table's rows of the organization on one shard, from `partial` on. */
export async function checksumTable(
  env: Env,
  binding: string,
  organizationId: string,
  tableName: string,
  partial: Checksum,
): Promise<Checksum> {
  const table = tableNamed(tableName);
  const d1 = shardNamed(env, binding);
  const started = Date.now();
  let { cursor, rows } = partial;
  let sum = BigInt(`0x${partial.sum}`);
  for (let page = 0; page < STEP_PAGES && Date.now() - started < STEP_BUDGET_MS; page++) {
    const found = await pageOf(d1, table, organizationId, cursor ?? 0);
    for (const [, ...row] of found) sum = (sum + (await rowHash(row))) % MOD;
    await yieldToRequests();
    rows += found.length;
    cursor = found.length < PAGE_ROWS ? null : Number(found[found.length - 1]?.[0]);
    if (cursor === null) break;
  }
  return { cursor, rows, sum: sum.toString(16).padStart(16, "0") };
}

export const START: Checksum = { cursor: 0, rows: 0, sum: "0" };

// ---------------------------------------------------------------------------------------------
// 3 (first), 6. Deletes.

/**
 * Deletes a page of the table's rows of the organization on a shard; how many. The directory's
 * own row of the organization (on DB) is never deleted.
 */
export async function deletePage(
  env: Env,
  binding: string,
  organizationId: string,
  tableName: string,
): Promise<number> {
  if (tableName === "organizations" && binding === "DB") return 0;
  const table = tableNamed(tableName);
  const d1 = shardNamed(env, binding);
  // Counted by RETURNING: D1's `changes` adds the rows the tables' triggers touch.
  const { results } = await d1
    .prepare(
      `delete from ${quote(table.name)} where rowid in (select rowid from ${quote(table.name)} where ${table.owned} limit ${PAGE_ROWS}) returning 1`,
    )
    .bind(organizationId)
    .all();
  return results.length;
}

/** Deletes the table's rows of the organization on a shard, page by page, within a step's budget. */
export async function deleteRows(
  env: Env,
  binding: string,
  organizationId: string,
  tableName: string,
): Promise<{ deleted: number; done: boolean }> {
  const started = Date.now();
  let deleted = 0;
  for (let page = 0; page < STEP_PAGES && Date.now() - started < STEP_BUDGET_MS; page++) {
    const changes = await deletePage(env, binding, organizationId, tableName);
    await yieldToRequests();
    deleted += changes;
    if (changes < PAGE_ROWS) return { deleted, done: true };
  }
  return { deleted, done: false };
}

/** Tables in the order their rows are deleted: children first. */
export const DELETE_ORDER = [...MOVED_TABLES].reverse().map((t) => t.name);
