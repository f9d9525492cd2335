import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../platform/db/client";
import { setupTokens, users } from "../platform/db/schema";
import { ofUser } from "../platform/db/tenant";
import { tokenUserColumns } from "./sessions";

/*
 * One-time setup tokens, by SHA-256: how a new user (or one an operator reset) sets a password.
 * Issuing one voids the user's earlier unused ones.
 */

export function issueSetupTokenStatements(
  db: Database,
  token: { hash: string; organizationId: string; userId: string; now: number; expiresAt: number },
): BatchItem<"sqlite">[] {
  return [
    db
      .update(setupTokens)
      .set({ usedAt: token.now })
      .where(
        and(
          eq(setupTokens.userId, token.userId),
          eq(setupTokens.organizationId, token.organizationId),
          isNull(setupTokens.usedAt),
        ),
      ),
    db.insert(setupTokens).values({
      tokenHash: token.hash,
      organizationId: token.organizationId,
      userId: token.userId,
      createdAt: token.now,
      expiresAt: token.expiresAt,
    }),
  ];
}

/**
 * Voids the unused setup tokens of a user who is (now) deactivated, in the batch that
 * deactivates them: a token handed out before must not come back to life if the user is
 * activated again. Guarded by the user's state after the batch's earlier statements, so a
 * refused deactivation voids nothing.
 */
export const voidSetupTokensIfInactive = (
  db: Database,
  user: { id: string; organizationId: string },
  now: number,
) =>
  db
    .update(setupTokens)
    .set({ usedAt: now })
    .where(
      and(
        ofUser(setupTokens, user),
        isNull(setupTokens.usedAt),
        sql`exists (select 1 from ${users} where ${users.id} = ${user.id} and ${users.organizationId} = ${user.organizationId} and ${users.isActive} = 0)`,
      ),
    );

/** The user an unused, unexpired setup token is for. */
export async function findSetupToken(db: Database, hash: string, now: number) {
  const [row] = await db
    .select({
      ...tokenUserColumns,
    })
    .from(setupTokens)
    .innerJoin(
      users,
      and(eq(users.id, setupTokens.userId), eq(users.organizationId, setupTokens.organizationId)),
    )
    .where(
      and(
        eq(setupTokens.tokenHash, hash),
        isNull(setupTokens.usedAt),
        gt(setupTokens.expiresAt, now),
      ),
    )
    .limit(1);
  return row;
}

/** SQLite's message when the guard below fires: the token was used in the meantime. */
export const SETUP_TOKEN_TAKEN = /NOT NULL constraint failed: users\.password_hash/;

/**
 * Uses the token and sets the password, as statements for one batch: the password is written as
 * NULL (which the NOT NULL constraint refuses, aborting the whole batch, sessions included) unless
 * the token was still unused when the batch ran. Check and write are one atomic step.
 */
export function consumeSetupTokenStatements(
  db: Database,
  use: {
    hash: string;
    user: { id: string; organizationId: string };
    passwordHash: string;
    now: number;
  },
): BatchItem<"sqlite">[] {
  return [
    db
      .update(setupTokens)
      .set({ usedAt: use.now })
      .where(
        and(
          eq(setupTokens.tokenHash, use.hash),
          isNull(setupTokens.usedAt),
          gt(setupTokens.expiresAt, use.now),
        ),
      ),
    db
      .update(users)
      .set({
        passwordHash: sql`case when changes() > 0 then ${use.passwordHash} else null end`,
        updatedAt: use.now,
        lastLoginAt: use.now,
      })
      .where(and(eq(users.id, use.user.id), eq(users.organizationId, use.user.organizationId))),
  ];
}
