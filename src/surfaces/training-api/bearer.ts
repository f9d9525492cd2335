import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { readSessionState, type SessionState, sessionStateQuery } from "../../accounts/sessions";
import { apiRateWindow, jwtSecret } from "../../platform/config";
import { readFence, refuseIfFenced } from "../../platform/db/fences";
import type { UserRole } from "../../platform/db/schema";
import { ApiError } from "../../platform/errors/api-error";
import { answering } from "../../platform/errors/documented";
import type { AppEnv, AppVariables } from "../../platform/http/app-env";
import { enforceRateLimit } from "../../platform/http/rate-limit";
import { renderTrainingError } from "./envelope";
import { type TokenClaims, verifyToken } from "./jwt";

export interface AuthUser {
  userId: string;
  organizationId: string;
  /** The role the database gives the user (for writes), or the token's (for reads, see below). */
  role: UserRole;
  sessionId: string;
}

/** The Training API's requests, once authenticated: `c.var.user` is the caller. */
export interface TrainingEnv extends AppEnv {
  Variables: AppVariables & {
    user: AuthUser;
    /** The roles the route allows (set by `allow`), for the freshness check of reads. */
    allowedRoles?: readonly UserRole[];
  };
}

const BEARER = /^Bearer +([^\s]+) *$/i;
const READS = new Set(["GET", "HEAD"]);

const revoked = () =>
  new ApiError(
    "token_revoked",
    "The token was revoked (logged out, deactivated or deleted): log in again",
    {
      headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
    },
  );

/** Whether the token still speaks for its user: session open, user active, same token version. */
const isCurrent = (state: SessionState | undefined, claims: TokenClaims): state is SessionState =>
  state?.isActive === true && state.revokedAt === null && state.tokenVersion === claims.ver;

function tokenOf(c: Context): string {
  const header = c.req.header("authorization");
  if (!header) {
    throw new ApiError("missing_token", "Authorization header with a Bearer token is required", {
      headers: { "WWW-Authenticate": 'Bearer realm="training"' },
    });
  }
  const token = BEARER.exec(header)?.[1];
  if (!token) {
    throw new ApiError("invalid_token", "Authorization header must be 'Bearer <token>'", {
      headers: { "WWW-Authenticate": 'Bearer error="invalid_request"' },
    });
  }
  return token;
}

/**
 * The Training API's caller, from `Authorization: Bearer <JWT>`, counted against its rate limit
 * (per token subject), and checked against the database on every request: a token whose session
 * was revoked (logout, refresh token reuse, password change elsewhere), whose user was deleted
 * or deactivated, or whose token version is old, is refused with 401 `token_revoked`; the role
 * the database has now is the one that counts (a demoted user gets 403 on the next write).
 *
 * Writes check first (one small query) and then run. Reads do not pay a round trip for it: the
 * check travels with the handler's first D1 round trip (`c.var.db.deferCheck`; inside the
 * statement itself for a single-row read, see platform/db/read-with-check.ts), and once the handler
 * is done its answer is replaced by the 401 or 403 if the check failed. A read has no effects,
 * so answering it and then discarding the answer changes nothing.
 */
const authenticateCaller = createMiddleware<TrainingEnv>(async (c, next) => {
  const claims = await verifyToken(tokenOf(c), jwtSecret(c.env));
  c.set("organizationId", claims.org);
  c.set("principal", `user:${claims.sub}`);
  await enforceRateLimit(c, c.env.API_RATE_LIMITER, `user:${claims.sub}`, apiRateWindow(c.env));
  // The token names the organization: the session and every row of the request are on its shard.
  await c.var.useOrganization(claims.org);
  const state = c.var.db.deferCheck(
    sessionStateQuery({
      sessionId: claims.sid,
      userId: claims.sub,
      organizationId: claims.org,
    }),
  );
  const caller = { userId: claims.sub, organizationId: claims.org, sessionId: claims.sid };

  if (!READS.has(c.req.method)) {
    const rows = await state.rows();
    // Moved or being moved: nothing is written here (the write's own batch meets the fence too).
    refuseIfFenced(claims.org, readFence(rows[0]), true);
    const current = readSessionState(rows);
    if (!isCurrent(current, claims)) throw revoked();
    c.set("user", { ...caller, role: current.role });
    await next();
    return;
  }

  c.set("user", { ...caller, role: claims.role });
  await next();
  // Refused before reading anything (a malformed id, say): the answer holds no data, and a
  // check of its own would cost the round trip that nothing else made.
  if (c.res.status >= 400 && !state.sent) return;
  const rows = await state.rows();
  // Read on a shard the organization has left: the request goes again, to the new one.
  refuseIfFenced(claims.org, readFence(rows[0]), false);
  const current = readSessionState(rows);
  const allowed = c.var.allowedRoles;
  const refusal = !isCurrent(current, claims)
    ? revoked()
    : allowed && !allowed.includes(current.role)
      ? forbidden(allowed)
      : undefined;
  if (refusal) {
    await c.res.body?.cancel();
    c.res = renderTrainingError(c, refusal);
  }
});

/** The middleware above, marked with what it answers: every route it guards documents them. */
export const authenticate = answering({ statuses: [401, 429] }, authenticateCaller);

const forbidden = (roles: readonly UserRole[]) =>
  new ApiError("forbidden", `This action needs one of the roles: ${roles.join(", ")}`);

/** Route middleware: only these roles may call the route; any other gets 403 `forbidden`. */
export const allow = (...roles: UserRole[]) =>
  answering(
    { statuses: [403] },
    createMiddleware<TrainingEnv>(async (c, next) => {
      c.set("allowedRoles", roles);
      if (!roles.includes(c.var.user.role)) throw forbidden(roles);
      await next();
    }),
  );

/** Writes of curated data: admins and managers. */
export const writers = allow("admin", "manager");
/** Administration of the organization (API keys, users, webhooks). */
export const admins = allow("admin");

/** What the OpenAPI document says every route behind `authenticate` needs. */
export const bearerSecurity = [{ bearerAuth: [] }];
