import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import type { UserRole } from "../../platform/db/schema";
import { ApiError } from "../../platform/errors/api-error";
import { apiRateWindow, jwtSecret } from "../../platform/config";
import { verifyToken } from "./jwt";
import { enforceRateLimit } from "../../platform/http/rate-limit";

export interface AuthUser {
  userId: string;
  organizationId: string;
  role: UserRole;
}

const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * The Training API's caller, from `Authorization: Bearer <JWT>`. Stateless: no D1 round trip.
 * Counted against the caller's rate limit (per token subject). With `roles`, any other role
 * gets 403 `forbidden`.
 */
export async function requireUser(
  c: Context<AppEnv>,
  roles?: readonly UserRole[],
): Promise<AuthUser> {
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
  const claims = await verifyToken(token, jwtSecret(c.env));
  c.set("organizationId", claims.org);
  await enforceRateLimit(c, c.env.API_RATE_LIMITER, `user:${claims.sub}`, apiRateWindow(c.env));
  if (roles && !roles.includes(claims.role)) {
    throw new ApiError("forbidden", `This action needs one of the roles: ${roles.join(", ")}`);
  }
  return { userId: claims.sub, organizationId: claims.org, role: claims.role };
}
