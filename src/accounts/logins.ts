import { and, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../platform/db/client";
import { notMovedAway } from "../platform/db/fences";
import { loginFailures, users } from "../platform/db/schema";
import { tokenUserColumns } from "./sessions";

/** An email is unique per organization, so one address may name a few users across tenants. */
const MAX_CANDIDATES = 5;
/** Expired failure windows pruned per failed login: the table stays small without a sweep. */
const PRUNE_BATCH = 50;

function selectUsersByEmail(db: Database, email: string, organizationId?: string) {
  return db
    .select({
      ...tokenUserColumns,
      passwordHash: users.passwordHash,
    })
    .from(users)
    .where(
      and(
        eq(users.email, email),
        organizationId ? eq(users.organizationId, organizationId) : undefined,
        // A copy being made, or left behind, by a move is not the user (platform/db/fences.ts).
        notMovedAway(users.organizationId),
      ),
    )
    .orderBy(users.organizationId)
    .limit(MAX_CANDIDATES);
}

export type LoginCandidate = Awaited<ReturnType<typeof selectUsersByEmail>>[number];

/**
 * The users with this email on the other shards (each queried at once, in parallel): a login
 * checks every organization's user with the email, wherever it lives (docs/sharding.md).
 */
export async function candidatesElsewhere(
  shards: Database[],
  email: string,
  organizationId: string | undefined,
): Promise<{ candidates: LoginCandidate[]; unreachable: number }> {
  // A shard that does not answer hides only its own users: the others can still log in.
  const found = await Promise.allSettled(
    shards.map((db) => selectUsersByEmail(db, email, organizationId)),
  );
  return {
    candidates: found.flatMap((f) => (f.status === "fulfilled" ? f.value : [])),
    unreachable: found.filter((f) => f.status === "rejected").length,
  };
}

export interface FailureWindow {
  keyHash: string;
  windowStart: number;
  failures: number;
}

/** The failure windows still open (started after `openSince`) for the throttling keys. */
const selectOpenWindows = (db: Database, keyHashes: string[], openSince: number) =>
  db
    .select()
    .from(loginFailures)
    .where(
      and(
        inArray(loginFailures.keyHash, keyHashes),
        sql`${loginFailures.windowStart} > ${openSince}`,
      ),
    );

function loginStatements(
  db: Database,
  email: string,
  organizationId: string | undefined,
  keyHashes: string[],
  openSince: number,
) {
  return [
    selectUsersByEmail(db, email, organizationId),
    selectOpenWindows(db, keyHashes, openSince),
  ] as const;
}

/** A few expired windows, oldest first through the window index. */
const pruneExpired = (db: Database, openSince: number) =>
  db
    .delete(loginFailures)
    .where(
      inArray(
        loginFailures.keyHash,
        db
          .select({ keyHash: loginFailures.keyHash })
          .from(loginFailures)
          .where(sql`${loginFailures.windowStart} <= ${openSince}`)
          .orderBy(loginFailures.windowStart)
          .limit(PRUNE_BATCH),
      ),
    );

/**
 * What a login needs before any password work, in one round trip: the users with this email,
 * and the failure windows still open (started after `openSince`) for the throttling keys.
 */
export async function loadLogin(
  db: Database,
  email: string,
  organizationId: string | undefined,
  keyHashes: string[],
  openSince: number,
): Promise<{ candidates: LoginCandidate[]; windows: FailureWindow[] }> {
  const [candidates, windows] = await db.batch(
    loginStatements(db, email, organizationId, keyHashes, openSince),
  );
  return { candidates, windows };
}

/** The failure windows still open for the keys, for a password check outside a login. */
export const loadOpenWindows = (
  db: Database,
  keyHashes: string[],
  openSince: number,
): Promise<FailureWindow[]> => selectOpenWindows(db, keyHashes, openSince);

/** The statements of a login and of a failure's pruning, for EXPLAIN QUERY PLAN checks. */
export const loginQueries = (
  db: Database,
  email: string,
  organizationId: string | undefined,
  keyHashes: string[],
  openSince: number,
) => [
  ...loginStatements(db, email, organizationId, keyHashes, openSince).map((q) => q.toSQL()),
  pruneExpired(db, openSince).toSQL(),
];

/**
 * Counts one failure for each key, in one batch: a window still open (started after
 * `openSince`) counts up, an expired or absent one starts again at 1 now. A few expired windows
 * are removed on the way, so the table stays small without a sweep.
 */
export async function recordLoginFailure(
  db: Database,
  keyHashes: string[],
  now: number,
  openSince: number,
): Promise<FailureWindow[]> {
  const f = loginFailures;
  const stillOpen = sql`${f.windowStart} > ${openSince}`;
  const upserts = keyHashes.map((keyHash) =>
    db
      .insert(f)
      .values({ keyHash, windowStart: now, failures: 1 })
      .onConflictDoUpdate({
        target: f.keyHash,
        set: {
          failures: sql`case when ${stillOpen} then ${f.failures} + 1 else 1 end`,
          windowStart: sql`case when ${stillOpen} then ${f.windowStart} else ${now} end`,
        },
      })
      .returning(),
  );
  const [first, ...rest] = upserts;
  if (!first) return [];
  const results = await db.batch([first, ...rest, pruneExpired(db, openSince)]);
  return results.slice(0, upserts.length).flat() as FailureWindow[];
}

/** A successful login's trace on the user. */
export const recordLoginStatement = (
  db: Database,
  user: { id: string; organizationId: string },
  now: number,
): BatchItem<"sqlite"> =>
  db
    .update(users)
    .set({ lastLoginAt: now })
    .where(and(eq(users.id, user.id), eq(users.organizationId, user.organizationId)));
