import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Database } from "../platform/db/client";
import { apiKeys } from "../platform/db/schema";
import { TtlCache } from "../platform/util/ttl-cache";

/*
 * API keys as the directory sees them: the lookup that finds a tenant from a key's SHA-256,
 * before anything of that tenant is read. With several databases this is what stays central.
 */

export interface ActiveKey {
  id: string;
  organizationId: string;
}

export const selectActiveKeyByHash = (db: Database, keyHash: string) =>
  db
    .select({ id: apiKeys.id, organizationId: apiKeys.organizationId })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);

/*
 * Verified keys, by SHA-256, for the isolate's life. This keeps a warm GET at one D1 round trip
 * (the data query) instead of two. The price is that a revoked key keeps working in an isolate
 * that already verified it for up to the TTL (≤ 60 s, API_KEY_CACHE_TTL_SECONDS).
 */
const verifiedKeys = new TtlCache<string, ActiveKey>(10_000);

/*
 * Keys D1 did not know (or knew revoked), by SHA-256, for a short while: a client repeating a
 * bad key costs no D1 round trip. A new key is 256 random bits that nobody can have tried
 * before it existed, so this never delays a key's first use.
 */
const unknownKeys = new TtlCache<string, true>(10_000);

/** How long an API key D1 did not know is refused without asking D1 again. */
const UNKNOWN_KEY_CACHE_MS = 30_000;

/**
 * The unrevoked key with this SHA-256: from this isolate's caches when they are younger than
 * `maxAgeMs` (0 turns both off), else through the unique index on `key_hash`.
 */
export async function resolveApiKey(
  db: Database,
  keyHash: string,
  maxAgeMs: number,
  elsewhere: () => Database[] = () => [],
): Promise<ActiveKey | undefined> {
  const lookUp = async () => {
    // The key is looked for where its workspace lives; a miss there (a key of another
    // workspace, or none) is looked for on the other shards, so the answer is the same wherever
    // the key lives: a mismatch, or an unknown key. Only misses pay that.
    for (const database of [db, ...elsewhere()]) {
      const [found] = await selectActiveKeyByHash(database, keyHash);
      if (found) return found;
    }
    return undefined;
  };
  if (maxAgeMs <= 0) return lookUp();
  const cached = verifiedKeys.get(keyHash, maxAgeMs);
  if (cached) return cached;
  if (unknownKeys.get(keyHash, Math.min(maxAgeMs, UNKNOWN_KEY_CACHE_MS))) return undefined;
  const found = await lookUp();
  if (found) verifiedKeys.set(keyHash, found);
  else unknownKeys.set(keyHash, true);
  return found;
}

/** Whether this isolate trusts the key without asking D1 (the hot path of a warm request). */
export const isVerifiedKey = (keyHash: string, maxAgeMs: number): boolean =>
  maxAgeMs > 0 && verifiedKeys.get(keyHash, maxAgeMs) !== undefined;

/** Revocation through this isolate takes effect here at once. */
export const forgetVerifiedKey = (keyHash: string) => verifiedKeys.delete(keyHash);

/** Records a use, unless one was recorded in the last `minIntervalMs` (checked in SQL too). */
export function touchApiKey(db: Database, id: string, now: number, minIntervalMs: number) {
  return db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, id),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - minIntervalMs)),
      ),
    );
}
