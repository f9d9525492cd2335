/** Settings read from the Worker's vars and secrets (wrangler.toml `[vars]`, `.dev.vars`). */

import { ApiError } from "./errors/api-error";
import { jwtSecretProblem } from "./secrets";

export const MAX_API_KEY_CACHE_TTL_SECONDS = 60;
const MAX_JWT_TTL_SECONDS = 7 * 24 * 3600;

function seconds(value: string | undefined, fallback: number, max: number): number {
  const parsed = value === undefined || value === "" ? fallback : Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) return fallback;
  return Math.min(parsed, max);
}

// The verdict on a secret, per isolate: the secret is fixed for an isolate's life.
const secretVerdicts = new Map<string, string | undefined>();

/**
 * The HS256 secret. A missing, published or weak one is a deployment mistake: nothing is signed
 * or verified with it. The request gets 503 (the service is not usable as configured) and the
 * log gets the reason and the fix; the body says nothing about the secret.
 */
export function jwtSecret(env: Env): string {
  const secret = env.JWT_SECRET;
  let problem = secretVerdicts.get(secret);
  if (!secretVerdicts.has(secret)) {
    problem = jwtSecretProblem(secret);
    if (secretVerdicts.size > 8) secretVerdicts.clear();
    secretVerdicts.set(secret, problem);
  }
  if (problem) {
    throw new ApiError(
      "service_unavailable",
      "Token authentication is not configured on this server",
      {
        cause: new Error(
          `${problem}: refusing to sign or verify tokens. Set 32 random bytes, e.g. \`npm run secret:jwt\` (production) or delete .dev.vars and rerun \`npm run dev\` (local).`,
        ),
      },
    );
  }
  return secret;
}

export const jwtTtlSeconds = (env: Env): number =>
  seconds(env.JWT_TTL_SECONDS, 900, MAX_JWT_TTL_SECONDS);

const MAX_REFRESH_TTL_SECONDS = 365 * 24 * 3600;

/** Lifetime of a refresh token (each refresh issues a new one with a new lifetime). */
export const refreshTtlSeconds = (env: Env): number =>
  seconds(env.REFRESH_TTL_SECONDS, 30 * 24 * 3600, MAX_REFRESH_TTL_SECONDS);

/** Lifetime of a setup token (a new user's first password, an operator's reset). */
export const SETUP_TOKEN_TTL_MS = 72 * 3600 * 1000;

/** How long a verified API key is trusted without asking D1 again; revocation waits at most this. */
export const apiKeyCacheTtlMs = (env: Env): number =>
  seconds(
    env.API_KEY_CACHE_TTL_SECONDS,
    MAX_API_KEY_CACHE_TTL_SECONDS,
    MAX_API_KEY_CACHE_TTL_SECONDS,
  ) * 1000;

const positiveInt = (value: string | undefined, fallback: number): number => {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
};

export interface RateWindow {
  limit: number;
  periodSeconds: number;
}

export const apiRateWindow = (env: Env): RateWindow => ({
  limit: positiveInt(env.API_RATE_LIMIT, 600),
  periodSeconds: positiveInt(env.API_RATE_PERIOD_SECONDS, 60),
});

export const loginRateWindow = (env: Env): RateWindow => ({
  limit: positiveInt(env.LOGIN_FAILURE_LIMIT, 10),
  periodSeconds: positiveInt(env.LOGIN_RATE_PERIOD_SECONDS, 60),
});

/** Failed API key checks per client address (the KEY_FAILURE_LIMITER binding enforces it). */
export const keyFailureWindow = (env: Env): RateWindow => ({
  limit: positiveInt(env.KEY_FAILURE_LIMIT, 60),
  periodSeconds: positiveInt(env.KEY_FAILURE_PERIOD_SECONDS, 60),
});

export const d1TimeoutMs = (env: Env): number => positiveInt(env.D1_TIMEOUT_MS, 10_000);

/** A request this slow is logged at the default level, whatever it answered. */
export const SLOW_REQUEST_MS = 1000;

/**
 * Whether a request gets its log line. `LOG_LEVEL`: "info", every request; "warn" (the
 * default), every answer of 400 or more and every request slower than SLOW_REQUEST_MS: what an
 * operator acts on. A successful request, read or write, costs no log event of ours: Workers Logs
 * records every invocation (method, URL, status, duration, CPU) already, a write's effects are in
 * its data (and its events, for webhooks), and a line per ingested message would be most of the
 * log volume of a busy deployment. "error", no request lines (faults are logged where they
 * happen, at every level).
 */
export function logsRequest(env: Env, status: number, durationMs: number): boolean {
  const level = env.LOG_LEVEL ?? "warn";
  if (level === "info") return true;
  if (level === "error") return false;
  return status >= 400 || durationMs >= SLOW_REQUEST_MS;
}

/** `CORS_ORIGINS`: "*" for any origin, a comma-separated list, or empty for no CORS at all. */
export function corsOrigins(env: Env): "*" | string[] {
  const value = (env.CORS_ORIGINS ?? "").trim();
  if (value === "*") return "*";
  return value
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
}
