import { createMiddleware } from "hono/factory";
import type { AppEnv, AppVariables } from "../../app-env";
import { apiRateWindow, jwtSecret } from "../../platform/config";
import type { UserRole } from "../../platform/db/schema";
import { ApiError } from "../../platform/errors/api-error";
import { enforceRateLimit } from "../../platform/http/rate-limit";
import { verifyToken } from "./jwt";

export interface AuthUser {
  userId: string;
  organizationId: string;
  role: UserRole;
}

/** The Training API's requests, once authenticated: `c.var.user` is the caller. */
export interface TrainingEnv extends AppEnv {
  Variables: AppVariables & { user: AuthUser };
}

const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * The Training API's caller, from `Authorization: Bearer <JWT>`. Stateless: no D1 round trip.
 * Counted against the caller's rate limit (per token subject).
 */
export const authenticate = createMiddleware<TrainingEnv>(async (c, next) => {
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
  c.set("user", { userId: claims.sub, organizationId: claims.org, role: claims.role });
  await next();
});

/** Route middleware: only these roles may call the route; any other gets 403 `forbidden`. */
export const allow = (...roles: UserRole[]) =>
  createMiddleware<TrainingEnv>(async (c, next) => {
    if (!roles.includes(c.var.user.role)) {
      throw new ApiError("forbidden", `This action needs one of the roles: ${roles.join(", ")}`);
    }
    await next();
  });

/** Writes of curated data: admins and managers. */
export const writers = allow("admin", "manager");
/** Administration of the organization (API keys, users, webhooks). */
export const admins = allow("admin");
