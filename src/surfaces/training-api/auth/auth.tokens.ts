import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import { openSessionStatements } from "../../../accounts/sessions";
import { jwtSecret, jwtTtlSeconds, refreshTtlSeconds } from "../../../platform/config";
import type { UserRole } from "../../../platform/db/schema";
import type { AppEnv } from "../../../platform/http/app-env";
import { sha256Hex } from "../../../platform/util/encoding";
import { newObjectId } from "../../../platform/util/ids";
import { toIso } from "../../../platform/util/time";
import { opaqueToken } from "../../../platform/util/tokens";
import { issueToken } from "../jwt";
import type { AuthenticatedUser } from "./auth.schemas";

export interface TokenHolder {
  id: string;
  organizationId: string;
  firstName: string;
  lastName: string;
  email: string;
  role: UserRole;
  tokenVersion: number;
}

/** The login answer: an access token, a refresh token and the user they were issued to. */
export async function tokenPair(
  c: Context<AppEnv>,
  user: TokenHolder,
  session: { id: string; refreshToken: string; refreshExpiresAt: number },
) {
  const { token, claims } = await issueToken(
    jwtSecret(c.env),
    {
      userId: user.id,
      organizationId: user.organizationId,
      role: user.role,
      sessionId: session.id,
      tokenVersion: user.tokenVersion,
    },
    jwtTtlSeconds(c.env),
  );
  return {
    token,
    expiresAt: toIso(claims.exp * 1000),
    refreshToken: session.refreshToken,
    refreshExpiresAt: toIso(session.refreshExpiresAt),
    // Not the user document built in SQL (users.document.ts): this is the user the token was
    // just issued to, from the read that checked them (password, setup token or refresh token)
    // and gave the token its role and version. Reading the document again in the write's batch
    // would cost a statement and could show a role the token does not carry. `satisfies` holds
    // the keys to AuthenticatedUserSchema; the contract tests hold their order.
    user: {
      _id: user.id,
      firstName: user.firstName,
      lastName: user.lastName,
      email: user.email,
      role: user.role,
    } satisfies AuthenticatedUser,
  };
}

/**
 * A new session for `user`: its statements (for the caller's batch, beside whatever else the
 * login writes) and, once they are written, the token pair to answer with.
 */
export async function newSession(c: Context<AppEnv>, user: TokenHolder, now: number) {
  const id = newObjectId(now);
  const refreshToken = opaqueToken("rt", user.organizationId);
  const refreshExpiresAt = now + refreshTtlSeconds(c.env) * 1000;
  const statements: BatchItem<"sqlite">[] = openSessionStatements(c.get("db"), {
    id,
    organizationId: user.organizationId,
    userId: user.id,
    refreshTokenHash: await sha256Hex(refreshToken),
    now,
    expiresAt: refreshExpiresAt,
  });
  return { statements, answer: () => tokenPair(c, user, { id, refreshToken, refreshExpiresAt }) };
}
