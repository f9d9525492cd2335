import { and, eq, isNull, ne, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../platform/db/client";
import { renderedOnce } from "../platform/db/rendered-once";
import { organizationFences, refreshTokens, sessions, users } from "../platform/db/schema";
import { ofUser } from "../platform/db/tenant";

/** What a token is issued from: the user, their role and the version their tokens carry. */
export const tokenUserColumns = {
  id: users.id,
  organizationId: users.organizationId,
  firstName: users.firstName,
  lastName: users.lastName,
  email: users.email,
  role: users.role,
  isActive: users.isActive,
  tokenVersion: users.tokenVersion,
};

/*
 * Sessions and refresh tokens: the lookups that find a user (and so a tenant) from a token.
 * An access token names its session (`sid`) and the user's token version (`ver`); a refresh
 * token is stored as its SHA-256 and used once.
 */

/** What an access token's holder is, as the database says now. */
export interface SessionState {
  role: (typeof users.$inferSelect)["role"];
  isActive: boolean;
  tokenVersion: number;
  revokedAt: number | null;
}

/**
 * The freshness check of an access token: its session with its user, within its organization,
 * and the organization's fence on this shard (platform/db/fences.ts). One row always: the
 * fence's columns, then the session's, null when the user or the session is gone. Aliased
 * columns: the row is read by name. Rendered once per isolate: it runs on every Training API
 * request.
 */
export const sessionStateQuery = renderedOnce(
  ["sessionId", "userId", "organizationId"],
  (_db, p) =>
    // Anchored on one row, so that the fence is read whether the session is there or not (a
    // moved organization's rows are deleted from its old shard); each join is by a key.
    sql`select ${organizationFences.state} as "fence_state", ${organizationFences.movedTo} as "fence_moved_to", ${users.role} as "state_role", ${users.isActive} as "state_is_active", ${users.tokenVersion} as "state_token_version", ${sessions.revokedAt} as "state_revoked_at" from (select 1) left join ${organizationFences} on ${eq(organizationFences.organizationId, p.organizationId)} left join ${sessions} on ${and(
      eq(sessions.id, p.sessionId),
      eq(sessions.userId, p.userId),
      eq(sessions.organizationId, p.organizationId),
    )} left join ${users} on ${and(eq(users.id, sessions.userId), eq(users.organizationId, sessions.organizationId))}`,
  // No `limit`: the session id is the primary key, so there is at most one row, and a bound
  // `limit ?` inside the GET statement it travels in (../platform/db/read-with-check.ts) made SQLite take ~10×
  // longer over the whole statement (200 µs instead of 21, node:sqlite on the demo data).
);

/** The session's state in the row `sessionStateQuery` returned; undefined when it is gone. */
export function readSessionState(rows: Record<string, unknown>[]): SessionState | undefined {
  const row = rows[0];
  if (!row || row.state_role === null || row.state_role === undefined) return undefined;
  return {
    role: row.state_role as SessionState["role"],
    isActive: Boolean(row.state_is_active),
    tokenVersion: Number(row.state_token_version),
    revokedAt: (row.state_revoked_at as number | null) ?? null,
  };
}

/** A new session and its first refresh token, as statements for the caller's batch. */
export function openSessionStatements(
  db: Database,
  session: {
    id: string;
    organizationId: string;
    userId: string;
    refreshTokenHash: string;
    now: number;
    expiresAt: number;
  },
): BatchItem<"sqlite">[] {
  return [
    db.insert(sessions).values({
      id: session.id,
      organizationId: session.organizationId,
      userId: session.userId,
      createdAt: session.now,
      expiresAt: session.expiresAt,
    }),
    db.insert(refreshTokens).values({
      tokenHash: session.refreshTokenHash,
      sessionId: session.id,
      createdAt: session.now,
      expiresAt: session.expiresAt,
    }),
  ];
}

/** A refresh token with its session and user, as a refresh needs them. */
export async function findRefreshToken(db: Database, tokenHash: string) {
  const [row] = await db
    .select({
      sessionId: refreshTokens.sessionId,
      tokenExpiresAt: refreshTokens.expiresAt,
      usedAt: refreshTokens.usedAt,
      sessionExpiresAt: sessions.expiresAt,
      revokedAt: sessions.revokedAt,
      user: tokenUserColumns,
    })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .innerJoin(
      users,
      and(eq(users.id, sessions.userId), eq(users.organizationId, sessions.organizationId)),
    )
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .limit(1);
  return row;
}

/**
 * Uses `oldHash` and issues `newHash` in its place, atomically: the new token is written only
 * if this call is the one that marked the old one used (`changes()`), so two concurrent
 * refreshes with one token cannot both succeed. Returns whether this call won.
 */
export async function rotateRefreshToken(
  db: Database,
  rotation: { oldHash: string; newHash: string; sessionId: string; now: number; expiresAt: number },
): Promise<boolean> {
  const [used] = await db.batch([
    db
      .update(refreshTokens)
      .set({ usedAt: rotation.now })
      .where(and(eq(refreshTokens.tokenHash, rotation.oldHash), isNull(refreshTokens.usedAt)))
      .returning({ sessionId: refreshTokens.sessionId }),
    db.insert(refreshTokens).select(
      db
        .select({
          tokenHash: sql<string>`${rotation.newHash}`.as("token_hash"),
          sessionId: sessions.id,
          createdAt: sql<number>`${rotation.now}`.as("created_at"),
          expiresAt: sql<number>`${rotation.expiresAt}`.as("expires_at"),
          usedAt: sql<null>`null`.as("used_at"),
        })
        .from(sessions)
        .where(and(eq(sessions.id, rotation.sessionId), sql`changes() > 0`)),
    ),
  ]);
  return used.length > 0;
}

/** Ends a session: every access and refresh token of it is refused from now on. */
export const revokeSession = (db: Database, sessionId: string, now: number) =>
  db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));

/** Ends the user's live sessions that also meet `condition`. */
const revokeSessionsOf = (
  db: Database,
  user: { id: string; organizationId: string },
  now: number,
  condition: SQL | undefined,
) =>
  db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(ofUser(sessions, user), isNull(sessions.revokedAt), condition));

/** Ends every session of a user but one (a password change keeps the session that made it). */
export const revokeOtherSessions = (
  db: Database,
  user: { id: string; organizationId: string },
  keepSessionId: string | undefined,
  now: number,
) => revokeSessionsOf(db, user, now, keepSessionId ? ne(sessions.id, keepSessionId) : undefined);

/**
 * Ends every session of a user who is (now) deactivated, in the batch that deactivates them:
 * their refresh tokens must not work again if they are activated later. Guarded by the user's
 * state after the batch's earlier statements, so a refused deactivation ends nothing.
 */
export const revokeSessionsIfInactive = (
  db: Database,
  user: { id: string; organizationId: string },
  now: number,
) =>
  revokeSessionsOf(
    db,
    user,
    now,
    sql`exists (select 1 from ${users} where ${users.id} = ${user.id} and ${users.organizationId} = ${user.organizationId} and ${users.isActive} = 0)`,
  );
