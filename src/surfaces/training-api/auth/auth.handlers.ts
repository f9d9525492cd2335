import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import {
  candidatesElsewhere,
  type FailureWindow,
  type LoginCandidate,
  loadLogin,
  loadOpenWindows,
  recordLoginFailure,
  recordLoginStatement,
} from "../../../accounts/logins";
import {
  findRefreshToken,
  revokeOtherSessions,
  revokeSession,
  rotateRefreshToken,
} from "../../../accounts/sessions";
import {
  consumeSetupTokenStatements,
  findSetupToken,
  SETUP_TOKEN_TAKEN,
} from "../../../accounts/setup-tokens";
import {
  jwtSecret,
  loginRateWindow,
  type RateWindow,
  refreshTtlSeconds,
} from "../../../platform/config";
import { createDatabase } from "../../../platform/db/client";
import { users } from "../../../platform/db/schema";
import { shardBindings } from "../../../platform/db/shards";
import { ApiError, validationError } from "../../../platform/errors/api-error";
import { findDatabaseError } from "../../../platform/errors/database-error";
import type { AppEnv } from "../../../platform/http/app-env";
import { clientKey } from "../../../platform/http/client-address";
import { tooManyRequests } from "../../../platform/http/rate-limit";
import { sha256Hex } from "../../../platform/util/encoding";
import { opaqueToken, organizationOfToken } from "../../../platform/util/tokens";
import { ok } from "../envelope";
import { hashPassword, verifyPassword } from "../password";
import type { PublicHandler, TrainingHandler } from "../router";
import type {
  ChangePasswordRoute,
  LoginRoute,
  LogoutRoute,
  RefreshRoute,
  SetupPasswordRoute,
} from "./auth.routes";
import { newSession, tokenPair } from "./auth.tokens";

/** The RateLimit-* headers of a login answer, from the fullest of its failure windows. */
function reportWindow<E extends AppEnv>(
  c: Context<E>,
  window: RateWindow,
  fullest: FailureWindow,
  now: number,
) {
  const resetAt = fullest.windowStart + window.periodSeconds * 1000;
  c.set("rateLimit", {
    limit: window.limit,
    remaining: Math.max(0, window.limit - fullest.failures),
    resetSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
  });
  return resetAt;
}

const fullestOf = (windows: FailureWindow[]) =>
  windows.reduce<FailureWindow | undefined>(
    (most, w) => (most && most.failures >= w.failures ? most : w),
    undefined,
  );

/*
 * Failed password checks (a login, or the current password of a password change) are counted
 * per email and per client address (IPv6 per /64) in D1, so every isolate and location sees the
 * same count and a restart forgets nothing. A key with `LOGIN_FAILURE_LIMIT` failures in its
 * window is refused before any password work, right password or not, and whether the email
 * exists or not.
 */
async function passwordThrottle<E extends AppEnv>(c: Context<E>, email: string) {
  const window = loginRateWindow(c.env);
  const now = Date.now();
  const openSince = now - window.periodSeconds * 1000;
  const directory = createDatabase(c.env.DB);
  const keyHashes = await Promise.all(
    [`email:${email}`, `ip:${clientKey(c.req.header("cf-connecting-ip"))}`].map(sha256Hex),
  );
  return {
    now,
    openSince,
    keyHashes,
    /** 429 when one of the keys' windows is full. */
    refuseIfLocked(windows: FailureWindow[]) {
      const fullest = fullestOf(windows);
      if (fullest && fullest.failures >= window.limit) {
        throw tooManyRequests(reportWindow(c, window, fullest, now), now, "failed logins");
      }
    },
    /** Counts one failure for each key, and says what is left in the RateLimit-* headers. */
    /** The lockout's failure windows: in the directory, whichever shard the user is on. */
    directory,
    async countFailure() {
      const windows = await recordLoginFailure(directory, keyHashes, now, openSince);
      const counted = fullestOf(windows);
      if (counted) reportWindow(c, window, counted, now);
    },
  };
}

export const login: PublicHandler<LoginRoute> = async (c) => {
  const body = c.req.valid("json");
  jwtSecret(c.env); // a published or weak secret is refused before any work
  const email = body.email.trim().toLowerCase();
  const throttle = await passwordThrottle(c, email);
  const { now } = throttle;
  const db = c.get("db");
  const { candidates, windows } = await loadLogin(
    db,
    email,
    body.organizationId,
    throttle.keyHashes,
    throttle.openSince,
  );
  throttle.refuseIfLocked(windows);
  const otherShards = shardBindings(c.env)
    .slice(1)
    .map(([, d1]) => createDatabase(d1));
  let unreachable = 0;
  if (otherShards.length > 0) {
    const elsewhere = await candidatesElsewhere(otherShards, email, body.organizationId);
    candidates.push(...elsewhere.candidates);
    unreachable = elsewhere.unreachable;
  }

  // Every user with the email is checked, even after a match, and no user at all is checked
  // once against nothing: each check costs one full derivation (verifyPassword), whether the
  // user exists, has set a password, is active, or the password is right. Timing tells nothing
  // beyond how many organizations have a user with this email.
  let user: LoginCandidate | undefined;
  for (const candidate of candidates.length > 0 ? candidates : [undefined]) {
    const matches = await verifyPassword(body.password, candidate?.passwordHash ?? "");
    if (matches && candidate?.isActive && !user) user = candidate;
  }
  if (!user) {
    // The user may be on a shard that did not answer: not a wrong password, try again later.
    if (unreachable > 0) {
      throw new ApiError("service_unavailable", "The service is temporarily unavailable", {
        headers: { "Retry-After": "5" },
      });
    }
    await throttle.countFailure();
    throw new ApiError("invalid_credentials", "Invalid email or password");
  }

  // The session is written where the user lives: the organization's shard.
  await c.var.useOrganization(user.organizationId);
  const shardDb = c.get("db");
  const session = await newSession(c, user, now);
  await shardDb.batch([recordLoginStatement(shardDb, user, now), ...session.statements]);
  return c.json(ok(await session.answer()), 200);
};

type Batch = [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];

/** A setup or refresh token names its organization: the request goes to that one's shard. */
async function useTokenOrganization(c: Context<AppEnv>, token: string) {
  const organizationId = organizationOfToken(token);
  if (organizationId) await c.var.useOrganization(organizationId);
}

const invalidSetupToken = () =>
  new ApiError("invalid_setup_token", "The setup token is unknown, used or expired");

/** The password rule that needs the user: not their email. */
function refuseEmailAsPassword(password: string, email: string, field: string) {
  if (password.trim().toLowerCase() === email.toLowerCase()) {
    throw validationError([
      { field, rule: "equals_email", message: "must not be the email address" },
    ]);
  }
}

/**
 * A setup token (from `npm run admin`, or `POST /api/users`) sets the password, once, and logs
 * in: token use, password and session are one batch, guarded so a token is used once even
 * when two requests race.
 */
export const setupPassword: PublicHandler<SetupPasswordRoute> = async (c) => {
  const { setupToken, password } = c.req.valid("json");
  await useTokenOrganization(c, setupToken);
  const db = c.get("db");
  const now = Date.now();
  const hash = await sha256Hex(setupToken);
  const user = await findSetupToken(db, hash, now);
  if (!user?.isActive) throw invalidSetupToken();
  refuseEmailAsPassword(password, user.email, "body.password");
  const session = await newSession(c, user, now);
  try {
    await db.batch([
      ...consumeSetupTokenStatements(db, {
        hash,
        user,
        passwordHash: await hashPassword(password),
        now,
      }),
      ...session.statements,
    ] as Batch);
  } catch (error) {
    if (SETUP_TOKEN_TAKEN.test(findDatabaseError(error)?.message ?? "")) throw invalidSetupToken();
    throw error;
  }
  return c.json(ok(await session.answer()), 200);
};

/**
 * A refresh token for a new pair. Each refresh token works once: presenting one that was
 * already exchanged means it was copied, so the whole session (every token descended from that
 * login) is revoked.
 */
export const refresh: PublicHandler<RefreshRoute> = async (c) => {
  const { refreshToken } = c.req.valid("json");
  await useTokenOrganization(c, refreshToken);
  const db = c.get("db");
  const now = Date.now();
  const oldHash = await sha256Hex(refreshToken);
  const found = await findRefreshToken(db, oldHash);
  const invalid = new ApiError("invalid_refresh_token", "The refresh token is unknown or expired");
  if (!found) throw invalid;
  const reused = async () => {
    await revokeSession(db, found.sessionId, now);
    return new ApiError(
      "refresh_token_reused",
      "This refresh token was already used: the session is revoked; log in again",
    );
  };
  if (found.usedAt !== null) throw await reused();
  if (found.revokedAt !== null || found.tokenExpiresAt <= now || !found.user.isActive) {
    throw invalid;
  }
  const next = opaqueToken("rt", found.user.organizationId);
  const refreshExpiresAt = now + refreshTtlSeconds(c.env) * 1000;
  const won = await rotateRefreshToken(db, {
    oldHash,
    newHash: await sha256Hex(next),
    sessionId: found.sessionId,
    now,
    expiresAt: refreshExpiresAt,
  });
  if (!won) throw await reused();
  return c.json(
    ok(
      await tokenPair(c, found.user, {
        id: found.sessionId,
        refreshToken: next,
        refreshExpiresAt,
      }),
    ),
    200,
  );
};

/** Ends the caller's session: its refresh token and every access token of it stop working. */
export const logout: TrainingHandler<LogoutRoute> = async (c) => {
  await revokeSession(c.get("db"), c.var.user.sessionId, Date.now());
  return c.body(null, 204);
};

/**
 * A new password; every other session of the user ends (this one goes on). The current
 * password is checked as a login checks it: a wrong one counts toward the same lockout (per
 * email and per client address), and a locked email or address is refused before the check,
 * so a stolen access token cannot be used to guess the password faster than a login could.
 */
export const changePassword: TrainingHandler<ChangePasswordRoute> = async (c) => {
  const { currentPassword, newPassword } = c.req.valid("json");
  const { user } = c.var;
  const db = c.get("db");
  const [current] = await db
    .select({ email: users.email, passwordHash: users.passwordHash })
    .from(users)
    .where(and(eq(users.id, user.userId), eq(users.organizationId, user.organizationId)));
  const mismatch = () =>
    validationError([
      { field: "body.currentPassword", rule: "mismatch", message: "is not the current password" },
    ]);
  if (!current) throw mismatch();
  const throttle = await passwordThrottle(c, current.email);
  const { now } = throttle;
  throttle.refuseIfLocked(
    await loadOpenWindows(throttle.directory, throttle.keyHashes, throttle.openSince),
  );
  if (!(await verifyPassword(currentPassword, current.passwordHash))) {
    await throttle.countFailure();
    throw mismatch();
  }
  refuseEmailAsPassword(newPassword, current.email, "body.newPassword");
  await db.batch([
    db
      .update(users)
      .set({ passwordHash: await hashPassword(newPassword), updatedAt: now })
      .where(and(eq(users.id, user.userId), eq(users.organizationId, user.organizationId))),
    revokeOtherSessions(
      db,
      { id: user.userId, organizationId: user.organizationId },
      user.sessionId,
      now,
    ),
  ]);
  return c.body(null, 204);
};
