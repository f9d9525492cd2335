import type { Context } from "hono";
import type { RateWindow } from "../config";
import { ApiError } from "../errors/api-error";
import { TtlCache } from "../util/ttl-cache";

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

/** 429 until `resetAt`: `Retry-After`, and `reset_at` in the Conversations envelope. */
export function tooManyRequests(resetAt: number, now: number, what: string): ApiError {
  const seconds = Math.max(1, Math.ceil((resetAt - now) / 1000));
  return new ApiError("rate_limited", `Too many ${what}; retry in ${seconds} s`, {
    headers: { "Retry-After": String(seconds) },
    resetAt: new Date(resetAt).toISOString(),
  });
}

/** Counts one request of `key`; throws 429 when the binding says the window is used up. */
export async function enforceRateLimit(
  c: Context,
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
  if (!success) throw tooManyRequests(resetAt, now, "requests");
}

/*
 * Failures (e.g. unknown API keys per client address): only failures are counted. The binding
 * cannot be asked "would this pass?" without counting, so a key it refuses is remembered here
 * until its window ends, and further attempts are refused before any work (and any D1 query).
 */
const throttled = new TtlCache<string, number>(50_000);

function refuse(c: Context, window: RateWindow, until: number, now: number): never {
  c.set("rateLimit", {
    limit: window.limit,
    remaining: 0,
    resetSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
  });
  throw tooManyRequests(until, now, "failed attempts");
}

/** Throws 429 when `key` was refused by the binding in its current window. */
export function refuseIfThrottled(c: Context, key: string, window: RateWindow): void {
  const now = Date.now();
  const until = throttled.get(key, window.periodSeconds * 1000, now);
  if (until !== undefined && until > now) refuse(c, window, until, now);
}

/** Counts one failure of `key`; throws 429 when this one is over the limit. */
export async function countFailure(
  c: Context,
  limiter: RateLimit,
  key: string,
  window: RateWindow,
): Promise<void> {
  const now = Date.now();
  const { success } = await limiter.limit({ key });
  if (success) return;
  const { resetAt } = windowOf(window, now);
  throttled.set(key, resetAt, now);
  refuse(c, window, resetAt, now);
}
