import { and, eq, sql } from "drizzle-orm";
import { answerOf, type Database } from "../../../platform/db/client";
import * as keyset from "../../../platform/db/keyset";
import { renderedOnce } from "../../../platform/db/rendered-once";
import type { RequestDatabase } from "../../../platform/db/request-database";
import { apiKeys } from "../../../platform/db/schema";
import { apiKeyDoc, createdApiKeyDoc } from "./api-keys.document";

/*
 * The API keys' reads and writes, each one D1 round trip; their answers are the documents of
 * api-keys.document.ts, as JSON text.
 */

/**
 * Writes the key (its hash, never the key) and answers the create document, which shows `key`
 * this once: one statement.
 */
export async function insertApiKey(
  db: Database,
  row: typeof apiKeys.$inferInsert,
  key: string,
): Promise<string> {
  const rows = await answerOf(db, db.insert(apiKeys).values(row).returning(createdApiKeyDoc(key)));
  return (rows[0] as { doc: string }).doc;
}

/**
 * Every key of the organization, newest first, as documents (JSON text): nothing secret. One
 * page, the whole list: its rows carry their position as a keyset page's do.
 */
const apiKeyDocuments = renderedOnce(["organizationId"], (db, p) =>
  db
    .select({ ...apiKeyDoc, ...keyset.position(apiKeys.createdAt, apiKeys.id) })
    .from(apiKeys)
    .where(eq(apiKeys.organizationId, p.organizationId))
    .orderBy(...keyset.newestFirst(apiKeys.createdAt, apiKeys.id)),
);

export async function listApiKeyDocuments(
  db: RequestDatabase,
  organizationId: string,
): Promise<string[]> {
  // A page, so the caller's freshness check rides inside the same statement.
  const keys = await db.readPage<{ doc: string; createdAt: number; id: string }>(
    apiKeyDocuments({ organizationId }),
  );
  return keys.map((row) => row.doc);
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
