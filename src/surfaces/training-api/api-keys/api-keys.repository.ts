import { and, desc, eq, sql } from "drizzle-orm";
import type { Database } from "../../../platform/db/client";
import { apiKeys } from "../../../platform/db/schema";

const publicColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

export type ApiKeyRecord = Awaited<ReturnType<typeof listApiKeys>>[number];

export async function insertApiKey(db: Database, row: typeof apiKeys.$inferInsert): Promise<void> {
  await db.insert(apiKeys).values(row);
}

/** Every key of the organization, newest first, without anything secret. */
export async function listApiKeys(db: Database, organizationId: string) {
  // A batch of one, so the caller's freshness check rides in the same round trip.
  const [keys] = await db.batch([
    db
      .select(publicColumns)
      .from(apiKeys)
      .where(eq(apiKeys.organizationId, organizationId))
      .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)),
  ]);
  return keys;
}

/**
 * Marks the key revoked (once: a second revocation keeps the first time) and returns its hash,
 * so this isolate can forget it at once; other isolates do within the cache lifetime.
 */
export async function revokeApiKey(
  db: Database,
  organizationId: string,
  id: string,
  now: number,
): Promise<{ keyHash: string } | null> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${now})` })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.organizationId, organizationId)))
    .returning({ keyHash: apiKeys.keyHash });
  if (!row) return null;
  return { keyHash: row.keyHash };
}
