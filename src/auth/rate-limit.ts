import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import type { RateWindow } from "../lib/config";
import { TtlCache } from "../lib/ttl-cache";

/*
 * The Workers Rate Limiting binding decides (it only answers success or not). What it does not
 * say, how much is left, is estimated per isolate for the RateLimit-* headers: exact for a single
 * isolate, a lower bound on usage across several.
 */
const localCounts = new TtlCache<string, { windowStart: number; count: number }>(50_000);

function windowOf(window: RateWindow, now: number) {
  const periodMs = window.periodSeconds * 1000;
  const windowStart = now - (now % periodMs);
  return { windowStart, resetAt: windowStart + periodMs };
}

function tooMany(resetAt: number, now: number, what: string): ApiError {
  const seconds = Math.max(1, Math.ceil((resetAt - now) / 1000));
  return new ApiError("rate_limited", `Too many ${what}; retry in ${seconds} s`, {
    headers: { "Retry-After": String(seconds) },
    resetAt: new Date(resetAt).toISOString(),
  });
}

/** Counts one request of `key`; throws 429 when the binding says the window is used up. */
export async function enforceRateLimit(
  c: Context<AppEnv>,
  limiter: RateLimit,
  key: string,
  window: RateWindow,
): Promise<void> {
  const now = Date.now();
  const { windowStart, resetAt } = windowOf(window, now);
  const entry = localCounts.get(key, window.periodSeconds * 1000, now);
  const count = entry && entry.windowStart === windowStart ? entry.count + 1 : 1;
  localCounts.set(key, { windowStart, count }, now);
  const { success } = await limiter.limit({ key });
  const resetSeconds = Math.max(1, Math.ceil((resetAt - now) / 1000));
  c.set("rateLimit", {
    limit: window.limit,
    remaining: success ? Math.max(0, window.limit - count) : 0,
    resetSeconds,
  });
  if (!success) throw tooMany(resetAt, now, "requests");
}

/*
 * Failed logins: only failures are counted (by email and by client IP). The binding cannot be
 * asked "would this pass?" without counting, so a key it refuses is remembered here until the
 * window ends, and every attempt for it is refused before any password work.
 */
const blockedLogins = new TtlCache<string, number>(50_000);

export function refuseBlockedLogin(c: Context<AppEnv>, keys: string[], window: RateWindow): void {
  const now = Date.now();
  for (const key of keys) {
    const until = blockedLogins.get(key, window.periodSeconds * 1000, now);
    if (until !== undefined && until > now) {
      c.set("rateLimit", {
        limit: window.limit,
        remaining: 0,
        resetSeconds: Math.ceil((until - now) / 1000),
      });
      throw tooMany(until, now, "failed logins");
    }
  }
}

/** Counts a failed login for each key; returns the 429 to answer if one is now over the limit. */
export async function recordFailedLogin(
  c: Context<AppEnv>,
  limiter: RateLimit,
  keys: string[],
  window: RateWindow,
): Promise<ApiError | undefined> {
  const now = Date.now();
  const { resetAt } = windowOf(window, now);
  const outcomes = await Promise.all(keys.map((key) => limiter.limit({ key })));
  let refused = false;
  outcomes.forEach((outcome, i) => {
    if (!outcome.success) {
      blockedLogins.set(keys[i] as string, resetAt, now);
      refused = true;
    }
  });
  if (!refused) return undefined;
  c.set("rateLimit", {
    limit: window.limit,
    remaining: 0,
    resetSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
  });
  return tooMany(resetAt, now, "failed logins");
}
