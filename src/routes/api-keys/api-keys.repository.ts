import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/client";
import { apiKeys } from "../../db/schema";

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

/** The unrevoked key with this SHA-256, through the unique index on `key_hash`. */
export async function findActiveKeyByHash(
  db: Database,
  keyHash: string,
): Promise<ActiveKey | null> {
  const [row] = await selectActiveKeyByHash(db, keyHash);
  return row ?? null;
}
