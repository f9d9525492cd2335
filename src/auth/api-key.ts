import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { zodValidationError } from "../errors/validation";
import { apiKeyCacheTtlMs } from "../lib/config";
import { sha256Hex } from "../lib/encoding";
import { OBJECT_ID_PATTERN } from "../lib/ids";
import { TtlCache } from "../lib/ttl-cache";
import { type ActiveKey, findActiveKeyByHash } from "../routes/api-keys/api-keys.repository";

export const API_KEY_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

export const ApiKeyHeadersSchema = z.object({
  "x-api-key": z
    .string()
    .regex(API_KEY_PATTERN, "must be 16 to 128 characters of A-Z, a-z, 0-9, '_' or '-'")
    .optional(),
  "x-workspace-id": z
    .string()
    .regex(OBJECT_ID_PATTERN, "must be a 24-character hexadecimal workspace id")
    .optional(),
});

export interface ApiKeyPrincipal {
  keyId: string;
  organizationId: string;
}

/*
 * Verified keys, by SHA-256, for the isolate's life. This keeps a warm GET at one D1 round trip
 * (the data query) instead of two. The price is that a revoked key keeps working in an isolate
 * that already verified it for up to the TTL (≤ 60 s, API_KEY_CACHE_TTL_SECONDS).
 * Unknown keys are not cached, so a key starts working the moment it is created.
 */
const verifiedKeys = new TtlCache<string, ActiveKey>(10_000);

/** For tests and for revocation within this isolate. */
export const forgetVerifiedKey = (keyHash: string) => verifiedKeys.delete(keyHash);

const headerValue = (c: Context<AppEnv>, name: string) => c.req.header(name) || undefined;

/**
 * The Conversations API's caller, from `x-api-key` + `x-workspace-id`. Header values are checked
 * before any query; then the key (cached), then that the workspace is the key's organization.
 */
export async function requireApiKey(c: Context<AppEnv>): Promise<ApiKeyPrincipal> {
  const headers = ApiKeyHeadersSchema.safeParse({
    "x-api-key": headerValue(c, "x-api-key"),
    "x-workspace-id": headerValue(c, "x-workspace-id"),
  });
  if (!headers.success) throw zodValidationError("header", headers.error);
  const { "x-api-key": key, "x-workspace-id": workspaceId } = headers.data;

  if (!key) throw new ApiError("missing_api_key", "The x-api-key header is required");

  const keyHash = await sha256Hex(key);
  const maxAgeMs = apiKeyCacheTtlMs(c.env);
  let active = maxAgeMs > 0 ? verifiedKeys.get(keyHash, maxAgeMs) : undefined;
  if (!active) {
    active = (await findActiveKeyByHash(c.get("db"), keyHash)) ?? undefined;
    if (!active) throw new ApiError("invalid_api_key", "Invalid or revoked API key");
    if (maxAgeMs > 0) verifiedKeys.set(keyHash, active);
  }

  if (!workspaceId) {
    throw new ApiError("missing_workspace", "The x-workspace-id header is required");
  }
  if (workspaceId.toLowerCase() !== active.organizationId) {
    throw new ApiError("workspace_mismatch", "This API key does not belong to that workspace");
  }
  return { keyId: active.id, organizationId: active.organizationId };
}
