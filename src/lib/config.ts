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
