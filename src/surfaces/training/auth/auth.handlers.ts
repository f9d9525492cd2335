import type { Context } from "hono";
import type { AppEnv, AppRouteHandler } from "../../../app-env";
import {
  type FailureWindow,
  type LoginCandidate,
  loadLogin,
  recordLoginFailure,
} from "../../../directory/logins";
import {
  jwtSecret,
  jwtTtlSeconds,
  loginRateWindow,
  type RateWindow,
} from "../../../platform/config";
import { ApiError } from "../../../platform/errors/api-error";
import { clientKey } from "../../../platform/http/client-address";
import { tooManyRequests } from "../../../platform/http/rate-limit";
import { sha256Hex } from "../../../platform/util/encoding";
import { toIso } from "../../../platform/util/time";
import { issueToken } from "../jwt";
import { hashPassword, verifyPassword } from "../password";
import type { LoginRoute } from "./auth.routes";

// Verified against when no user has the email, so an unknown email costs as long as a wrong password.
let decoyHash: Promise<string> | undefined;

/** The RateLimit-* headers of a login answer, from the fullest of its failure windows. */
function reportWindow(c: Context<AppEnv>, window: RateWindow, fullest: FailureWindow, now: number) {
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
 * Failed logins are counted per email and per client address (IPv6 per /64) in D1, so every
 * isolate and location sees the same count and a restart forgets nothing. The count is read in
 * the same round trip as the user; a key with `LOGIN_FAILURE_LIMIT` failures in its window is
 * refused before any password work, right password or not, and whether the email exists or not.
 */
export const login: AppRouteHandler<LoginRoute> = async (c) => {
  const body = c.req.valid("json");
  const secret = jwtSecret(c.env);
  const email = body.email.trim().toLowerCase();
  const window = loginRateWindow(c.env);
  const now = Date.now();
  const openSince = now - window.periodSeconds * 1000;
  const keyHashes = await Promise.all(
    [`email:${email}`, `ip:${clientKey(c.req.header("cf-connecting-ip"))}`].map(sha256Hex),
  );
  const db = c.get("db");
  const { candidates, windows } = await loadLogin(
    db,
    email,
    body.organizationId,
    keyHashes,
    openSince,
  );
  const fullest = fullestOf(windows);
  if (fullest && fullest.failures >= window.limit) {
    throw tooManyRequests(reportWindow(c, window, fullest, now), now, "failed logins");
  }

  let user: LoginCandidate | undefined;
  for (const candidate of candidates) {
    if (await verifyPassword(body.password, candidate.passwordHash)) {
      user = candidate;
      break;
    }
  }
  if (candidates.length === 0) {
    decoyHash ??= hashPassword("decoy password, never matches");
    await verifyPassword(body.password, await decoyHash);
  }
  if (!user) {
    const counted = fullestOf(await recordLoginFailure(db, keyHashes, now, openSince));
    if (counted) reportWindow(c, window, counted, now);
    throw new ApiError("invalid_credentials", "Invalid email or password");
  }

  const { token, claims } = await issueToken(
    secret,
    { userId: user.id, organizationId: user.organizationId, role: user.role },
    jwtTtlSeconds(c.env),
  );
  return c.json(
    {
      success: true as const,
      data: {
        token,
        expiresAt: toIso(claims.exp * 1000),
        user: {
          _id: user.id,
          firstName: user.firstName,
          lastName: user.lastName,
          email: user.email,
          role: user.role,
        },
      },
    },
    200,
  );
};
