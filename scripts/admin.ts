/**
 * `npm run admin -- <command>`: operator tasks on the local dev database (default) or the
 * deployed one (`--remote`). Nothing here takes or prints a password: users set their own with
 * the one-time setup token printed here (`POST /api/auth/setup-password`, within 72 hours).
 *
 *   create-org --name <name> --admin-email <email> --first-name <f> --last-name <l> [--shard <binding>]
 *       a new organization and its first admin, on the given shard or the least loaded one
 *   reset-password --email <email> [--organization <id>]
 *       a new setup token for a locked-out user; their password and every session end now
 *   shards
 *       every D1 database of wrangler.toml holding tenant data: its binding, the organizations
 *       with data there, its size and its migration level (docs/sharding.md)
 *   move-org --org <id> --to <shard>
 *       moves the organization to the shard (its name or binding) while it stays online, and
 *       prints rows, checksum and size per table and the time taken. It runs as the Worker's
 *       Workflow: locally, `npm run dev` must be running (--port, default 8787)
 *
 * Options: --remote (the deployed database), --env <name> (a wrangler environment), --json
 * (machine-readable output). LOCAL_D1_PERSIST_TO=<dir> points local runs at another state folder.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SETUP_TOKEN_TTL_MS } from "../src/platform/config";
import { organizations, setupTokens, users } from "../src/platform/db/schema";
import { sha256Hex } from "../src/platform/util/encoding";
import { newObjectId } from "../src/platform/util/ids";
import { opaqueToken } from "../src/platform/util/tokens";
import "../src/platform/errors/zod-messages";
import type { MoveSummary } from "../src/platform/db/move-workflow";
import { CreateUserBodySchema } from "../src/surfaces/training-api/users/users.schemas";
import { d1Bindings } from "./lib/d1-bindings";
import { literal, upsert } from "./seed/sql";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: "string" },
    "admin-email": { type: "string" },
    "first-name": { type: "string" },
    "last-name": { type: "string" },
    email: { type: "string" },
    organization: { type: "string" },
    shard: { type: "string" },
    org: { type: "string" },
    to: { type: "string" },
    port: { type: "string", default: "8787" },
    remote: { type: "boolean", default: false },
    env: { type: "string" },
    json: { type: "boolean", default: false },
  },
});

function fail(message: string): never {
  console.error(`admin: ${message}`);
  process.exit(1);
}

/** wrangler d1 execute on the chosen database (`binding`, DB by default); `--json` parsed. */
function d1(args: string[], binding = "DB"): unknown {
  const target = values.remote ? ["--remote"] : ["--local"];
  const persist = process.env.LOCAL_D1_PERSIST_TO;
  if (!values.remote && persist) target.push("--persist-to", persist);
  if (values.env) target.push("--env", values.env);
  const output = execFileSync("wrangler", ["d1", "execute", binding, ...target, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, CI: "1" },
  });
  return args.includes("--json") ? JSON.parse(output) : output;
}

/** Runs statements as one file (one batch: all or nothing) on `binding` (DB by default). */
function execute(statements: string[], binding = "DB") {
  const dir = mkdtempSync(join(tmpdir(), "admin-"));
  try {
    const file = join(dir, "statements.sql");
    writeFileSync(file, `${statements.join("\n")}\n`);
    d1(["--file", file], binding);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function setupToken(userId: string, organizationId: string, now: number) {
  const token = opaqueToken("st", organizationId);
  const expiresAt = now + SETUP_TOKEN_TTL_MS;
  const statements = [
    // Earlier unused tokens of the user stop working.
    `UPDATE "setup_tokens" SET "used_at" = ${now} WHERE "user_id" = ${literal(userId)} AND "used_at" IS NULL;`,
    ...upsert(setupTokens, [
      { tokenHash: await sha256Hex(token), organizationId, userId, createdAt: now, expiresAt },
    ]),
  ];
  return { token, expiresAt, statements };
}

function report(result: Record<string, unknown>, lines: string[]) {
  if (values.json) console.log(JSON.stringify(result));
  else console.log(lines.join("\n"));
}

async function createOrg() {
  const name = values.name?.trim();
  if (!name) fail("--name is required");
  const admin = CreateUserBodySchema.safeParse({
    email: values["admin-email"],
    firstName: values["first-name"],
    lastName: values["last-name"],
    role: "admin",
  });
  if (!admin.success) {
    const flags = { email: "--admin-email", firstName: "--first-name", lastName: "--last-name" };
    fail(
      admin.error.issues
        .map((i) => `${flags[i.path[0] as keyof typeof flags] ?? i.path.join(".")} ${i.message}`)
        .join("; "),
    );
  }
  const now = Date.now();
  const organizationId = newObjectId(now);
  const userId = newObjectId(now);
  const setup = await setupToken(userId, organizationId, now);
  const shard = values.shard ?? leastLoadedShard();
  if (!d1Bindings("wrangler.toml", values.env).includes(shard)) {
    fail(`--shard ${shard} is not a D1 binding of wrangler.toml (see npm run admin -- shards)`);
  }
  const organization = { id: organizationId, name, createdAt: now, shard };
  execute(
    [
      ...upsert(organizations, [organization]),
      ...upsert(users, [
        {
          id: userId,
          organizationId,
          ...admin.data,
          passwordHash: "",
          createdAt: now,
          updatedAt: now,
        },
      ]),
      ...setup.statements,
    ],
    shard,
  );
  // The directory names the shard last: until then no request reaches the new organization.
  if (shard !== "DB") execute(upsert(organizations, [organization]));
  report(
    {
      organizationId,
      shard,
      userId,
      email: admin.data.email,
      setupToken: setup.token,
      setupExpiresAt: new Date(setup.expiresAt).toISOString(),
    },
    [
      `Organization ${name}: ${organizationId} (shard ${shard})`,
      `Admin ${admin.data.firstName} ${admin.data.lastName} <${admin.data.email}>: ${userId}`,
      `One-time setup token (valid until ${new Date(setup.expiresAt).toISOString()}, shown once):`,
      `  ${setup.token}`,
      "The admin sets a password with it and is logged in:",
      `  curl -X POST <api>/api/auth/setup-password -H 'content-type: application/json' -d '{"setupToken":"${setup.token}","password":"<12 to 128 characters>"}'`,
    ],
  );
}

async function resetPassword() {
  const email = values.email?.trim().toLowerCase();
  if (!email) fail("--email is required");
  // Every shard: the user lives on their organization's.
  const matches = d1Bindings("wrangler.toml", values.env).flatMap((binding) => {
    const found = d1(
      [
        "--json",
        "--command",
        `SELECT "id", "organization_id" FROM "users" WHERE "email" = ${literal(email)}${
          values.organization
            ? ` AND "organization_id" = ${literal(values.organization.toLowerCase())}`
            : ""
        };`,
      ],
      binding,
    ) as { results: { id: string; organization_id: string }[] }[];
    return (found[0]?.results ?? []).map((row) => ({ ...row, binding }));
  });
  if (matches.length === 0) fail(`no user with email ${email}`);
  if (matches.length > 1) {
    fail(
      `${email} is a user of several organizations (${matches.map((m) => m.organization_id).join(", ")}): add --organization <id>`,
    );
  }
  const user = matches[0] as { id: string; organization_id: string; binding: string };
  const now = Date.now();
  const setup = await setupToken(user.id, user.organization_id, now);
  const id = literal(user.id);
  execute(
    [
      // The old password stops working, and so does every token issued so far.
      `UPDATE "users" SET "password_hash" = '', "token_version" = "token_version" + 1, "updated_at" = ${now} WHERE "id" = ${id};`,
      `UPDATE "sessions" SET "revoked_at" = ${now} WHERE "user_id" = ${id} AND "revoked_at" IS NULL;`,
      ...setup.statements,
    ],
    user.binding,
  );
  report(
    {
      organizationId: user.organization_id,
      userId: user.id,
      email,
      setupToken: setup.token,
      setupExpiresAt: new Date(setup.expiresAt).toISOString(),
    },
    [
      `${email} (${user.id}, organization ${user.organization_id}): password cleared, sessions ended.`,
      `One-time setup token (valid until ${new Date(setup.expiresAt).toISOString()}, shown once):`,
      `  ${setup.token}`,
    ],
  );
}

interface ShardReport {
  name: string;
  binding: string;
  organizations: number;
  /** D1's figure for the deployed database; local D1 does not report one (null). */
  sizeBytes: number | null;
  migration: string | null;
}

/** The tenant shards, one query each: organizations there, size (D1's own figure), migration. */
function shardReports(): ShardReport[] {
  return d1Bindings("wrangler.toml", values.env).map((binding) => {
    const [answer] = d1(
      [
        "--json",
        "--command",
        // DB is also the directory, with a row for every organization: its own are on DB.
        `SELECT (SELECT count(*) FROM "organizations"${binding === "DB" ? ` WHERE "shard" = 'DB'` : ""}) AS "organizations", (SELECT "name" FROM "d1_migrations" ORDER BY "id" DESC LIMIT 1) AS "migration";`,
      ],
      binding,
    ) as {
      results: { organizations: number; migration: string | null }[];
      meta: { size_after: number };
    }[];
    const row = answer?.results[0];
    return {
      name: binding === "DB" ? "main" : binding.slice("SHARD_".length).toLowerCase(),
      binding,
      organizations: row?.organizations ?? 0,
      sizeBytes: answer?.meta.size_after ?? null,
      migration: row?.migration ?? null,
    };
  });
}

/**
 * Where a new organization goes by default: the shard with the least data (D1's size where the
 * database reports it, else the fewest organizations; the first of equals).
 */
function leastLoadedShard(): string {
  const load = (r: ShardReport) => r.sizeBytes ?? r.organizations;
  const [first, ...rest] = shardReports();
  if (!first) fail("wrangler.toml binds no D1 database");
  return rest.reduce((least, r) => (load(r) < load(least) ? r : least), first).binding;
}

async function shards() {
  const reports = shardReports();
  const megabytes = (bytes: number | null) =>
    bytes === null ? "(local)" : `${(bytes / 1_048_576).toFixed(1)} MB`;
  report({ shards: reports }, [
    "name    binding     organizations  size       migration",
    ...reports.map(
      (r) =>
        `${r.name.padEnd(8)}${r.binding.padEnd(12)}${String(r.organizations).padStart(13)}  ${megabytes(r.sizeBytes).padEnd(11)}${r.migration ?? "(none)"}`,
    ),
  ]);
}

const MOVE_WORKFLOW = "edge-conversations-move-organization";

/** wrangler workflows … on the deployment (--remote) or the running `npm run dev` (local). */
function workflows(args: string[]): string {
  const target = values.remote ? [] : ["--local", "--port", values.port ?? "8787"];
  if (values.env) target.push("--env", values.env);
  return execFileSync("wrangler", ["workflows", ...args, ...target], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "1" },
  });
}

interface MoveInstance {
  status: string;
  output?: MoveSummary;
  error?: { message?: string; name?: string } | null;
  steps?: {
    name: string;
    success: boolean | null;
    attempts?: { error?: { message?: string } | null }[];
  }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The shard's binding from its binding or its name (`main` is DB, `b` is SHARD_B). */
function shardBinding(given: string): string {
  const bindings = d1Bindings("wrangler.toml", values.env);
  const binding =
    bindings.find((b) => b === given) ??
    (given.toLowerCase() === "main"
      ? "DB"
      : bindings.find((b) => b === `SHARD_${given.toUpperCase()}`));
  if (!binding) fail(`no shard "${given}": the shards are ${bindings.join(", ")}`);
  return binding;
}

async function moveOrg() {
  const organizationId = values.org ?? fail("--org <organization id> is required");
  const to = shardBinding(values.to ?? fail("--to <shard> is required"));
  const id = `move-${organizationId}-${Date.now()}`;
  try {
    workflows(["trigger", MOVE_WORKFLOW, JSON.stringify({ organizationId, to }), "--id", id]);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr ?? String(error);
    fail(
      `could not start the move${values.remote ? "" : ` (is \`npm run dev\` running on port ${values.port}?)`}: ${detail.trim().split("\n").at(-1)}`,
    );
  }
  const live = process.stderr.isTTY && !values.json;
  let instance: MoveInstance;
  for (;;) {
    instance = JSON.parse(workflows(["instances", "describe", MOVE_WORKFLOW, id, "--json"]));
    if (live) {
      const last = instance.steps?.at(-1)?.name ?? "starting";
      process.stderr.write(
        `\r\x1b[Kmove-org: ${instance.status}, ${instance.steps?.length ?? 0} steps, at ${last}`,
      );
    }
    if (!["queued", "running", "waiting"].includes(instance.status)) break;
    await sleep(500);
  }
  if (live) process.stderr.write("\n");
  if (instance.status !== "complete" || !instance.output) {
    const failed = instance.steps?.find((step) => step.success === false);
    const reason =
      failed?.attempts?.at(-1)?.error?.message ?? instance.error?.message ?? instance.status;
    fail(
      `the move stopped (${instance.status}) at ${failed?.name ?? "?"}: ${reason}. Running move-org again resumes it.`,
    );
  }
  const summary = instance.output;
  const rows = summary.tables.reduce((sum, t) => sum + t.rows, 0);
  const bytes = summary.tables.reduce((sum, t) => sum + t.bytes, 0);
  report({ move: { id, ...summary } }, [
    `moved ${summary.organizationId} from ${summary.from} to ${summary.to} in ${(summary.ms / 1000).toFixed(1)} s` +
      (summary.began === "copy" ? "" : ` (resumed at ${summary.began})`),
    ...(summary.tables.length > 0
      ? [
          "table                       rows       bytes  checksum",
          ...summary.tables.map(
            (t) =>
              `${t.table.padEnd(24)}${String(t.rows).padStart(8)}${String(t.bytes).padStart(12)}  ${t.checksum}`,
          ),
          `${"total".padEnd(24)}${String(rows).padStart(8)}${String(bytes).padStart(12)}`,
        ]
      : []),
    `deleted from ${summary.from}: ${summary.deleted} rows`,
  ]);
}

const commands: Record<string, () => Promise<void>> = {
  "create-org": createOrg,
  "reset-password": resetPassword,
  shards,
  "move-org": moveOrg,
};
const command = commands[positionals[0] ?? ""];
if (!command) {
  fail(
    `unknown command "${positionals[0] ?? ""}"; use create-org, reset-password, shards or move-org`,
  );
}
await command();
