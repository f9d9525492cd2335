import { type SQL, sql } from "drizzle-orm";
import { iso, isoOrNull, jsonObject } from "../../../platform/db/json-document";
import { apiKeys } from "../../../platform/db/schema";
import { ApiKeySchema, CreatedApiKeyResponseSchema } from "./api-keys.schemas";

/*
 * The API key documents, defined once: a key as `GET /api/keys` lists it, and the create answer
 * (the RETURNING of the insert), the only place the key itself ever appears. Never the key's
 * hash. Keys and their order are their schemas'.
 */

const k = apiKeys;

const fields = {
  _id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: iso(k.createdAt),
  lastUsedAt: isoOrNull(k.lastUsedAt),
  revokedAt: isoOrNull(k.revokedAt),
};

/** A key as the list shows it, over `api_keys`. */
export const apiKeyJson: SQL = jsonObject(ApiKeySchema, fields);

/** What a select reads: the document as `doc` (JSON text). */
export const apiKeyDoc = { doc: sql<string>`${apiKeyJson}`.as("doc") };

/**
 * The create answer's `{ doc }`, for the insert's RETURNING. Only the key's SHA-256 is stored,
 * so the key cannot be read back: it is bound into the statement as a value (never stored, never
 * logged), in the position the schema gives it.
 */
export const createdApiKeyDoc = (key: string) => ({
  doc: sql<string>`${jsonObject(CreatedApiKeyResponseSchema.shape.data, {
    ...fields,
    key: sql`${key}`,
  })}`.as("doc"),
});
