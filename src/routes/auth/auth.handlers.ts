import type { AppRouteHandler } from "../../app-env";
import { issueToken } from "../../auth/jwt";
import { hashPassword, verifyPassword } from "../../auth/password";
import { recordFailedLogin, refuseBlockedLogin } from "../../auth/rate-limit";
import { ApiError } from "../../errors/api-error";
import { jwtSecret, jwtTtlSeconds, loginRateWindow } from "../../lib/config";
import { normalizeObjectId } from "../../lib/ids";
import { toIso } from "../../lib/time";
import { findUsersByEmail } from "./auth.repository";
import type { LoginRoute } from "./auth.routes";

// Verified against when no user has the email, so an unknown email costs as long as a wrong password.
let decoyHash: Promise<string> | undefined;

export const login: AppRouteHandler<LoginRoute> = async (c) => {
  const body = c.req.valid("json");
  const secret = jwtSecret(c.env);
  const email = body.email.trim().toLowerCase();
  // Failed logins are limited per email and per client IP, checked before any password work.
  const limitKeys = [`email:${email}`, `ip:${c.req.header("cf-connecting-ip") ?? "unknown"}`];
  const window = loginRateWindow(c.env);
  refuseBlockedLogin(c, limitKeys, window);
  const candidates = await findUsersByEmail(
    c.get("db"),
    email,
    body.organizationId && normalizeObjectId(body.organizationId),
  );

  let user: (typeof candidates)[number] | undefined;
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
    throw (
      (await recordFailedLogin(c, c.env.LOGIN_RATE_LIMITER, limitKeys, window)) ??
      new ApiError("invalid_credentials", "Invalid email or password")
    );
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
