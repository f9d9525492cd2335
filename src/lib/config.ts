/** Settings read from the Worker's vars and secrets (wrangler.toml `[vars]`, `.dev.vars`). */

const MIN_SECRET_LENGTH = 32;
export const MAX_API_KEY_CACHE_TTL_SECONDS = 60;
const MAX_JWT_TTL_SECONDS = 7 * 24 * 3600;

function seconds(value: string | undefined, fallback: number, max: number): number {
  const parsed = value === undefined || value === "" ? fallback : Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) return fallback;
  return Math.min(parsed, max);
}

/** The HS256 secret. Missing or short is a deployment mistake: fail loudly (500), never sign weakly. */
export function jwtSecret(env: Env): string {
  const secret = env.JWT_SECRET;
  if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`JWT_SECRET must be set to at least ${MIN_SECRET_LENGTH} characters`);
  }
  return secret;
}

export const jwtTtlSeconds = (env: Env): number =>
  seconds(env.JWT_TTL_SECONDS, 3600, MAX_JWT_TTL_SECONDS);

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

export const d1TimeoutMs = (env: Env): number => positiveInt(env.D1_TIMEOUT_MS, 10_000);

export const logsRequests = (env: Env): boolean => (env.LOG_LEVEL ?? "info") === "info";

/** `CORS_ORIGINS`: "*" for any origin, a comma-separated list, or empty for no CORS at all. */
export function corsOrigins(env: Env): "*" | string[] {
  const value = (env.CORS_ORIGINS ?? "").trim();
  if (value === "*") return "*";
  return value
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
}
