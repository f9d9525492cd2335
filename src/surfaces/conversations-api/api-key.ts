import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { isVerifiedKey, resolveApiKey, touchApiKey } from "../../accounts/api-keys";
import { apiKeyCacheTtlMs, apiRateWindow, keyFailureWindow } from "../../platform/config";
import { createDatabase } from "../../platform/db/client";
import { fenceQuery, readFence, refuseIfFenced } from "../../platform/db/fences";
import { openRequestDatabase } from "../../platform/db/request-database";
import { shardBindings, shardOf } from "../../platform/db/shards";
import { ApiError } from "../../platform/errors/api-error";
import { answering } from "../../platform/errors/documented";
import { zodValidationError } from "../../platform/errors/validation";
import { afterResponse } from "../../platform/http/after-response";
import type { AppEnv, AppVariables } from "../../platform/http/app-env";
import { clientKey } from "../../platform/http/client-address";
import { countFailure, enforceRateLimit, refuseIfThrottled } from "../../platform/http/rate-limit";
import { sha256Hex } from "../../platform/util/encoding";
import { OBJECT_ID_PATTERN } from "../../platform/util/ids";
import { TtlCache } from "../../platform/util/ttl-cache";

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

/** `lastUsedAt` is written at most once a minute per key (per isolate, and checked in SQL too). */
export const LAST_USED_INTERVAL_MS = 60_000;
const recentlyTouched = new TtlCache<string, true>(10_000);

/**
 * Records the key's use after the response is sent (`waitUntil`), on the raw binding: it is not
 * part of serving the request, so it is neither awaited nor counted in Server-Timing.
 */
function recordUse(c: Context<ConversationsEnv>, keyId: string, organizationId: string) {
  const now = Date.now();
  if (recentlyTouched.get(keyId, LAST_USED_INTERVAL_MS, now)) return;
  recentlyTouched.set(keyId, true, now);
  void afterResponse(
    c,
    shardOf(c.env, organizationId).then(({ d1 }) =>
      // Fenced as the request's writes are: nothing is written to a copy being moved.
      touchApiKey(
        openRequestDatabase(d1, undefined, organizationId),
        keyId,
        now,
        LAST_USED_INTERVAL_MS,
      ),
    ),
    "could not record API key use",
  );
}

const READS = new Set(["GET", "HEAD"]);

const headerValue = (c: Context, name: string) => c.req.header(name) || undefined;

/** The Conversations API's requests, once authenticated: `c.var.caller` is the key. */
export interface ConversationsEnv extends AppEnv {
  Variables: AppVariables & { caller: ApiKeyPrincipal };
}

/**
 * The Conversations API's caller, from `x-api-key` + `x-workspace-id`. Header values are checked
 * before any query; then the key (cached; failed checks throttled per client address, and a
 * throttled address refused before any D1 query), then that the workspace is the key's
 * organization.
 */
const authenticateCaller = createMiddleware<ConversationsEnv>(async (c, next) => {
  const headers = ApiKeyHeadersSchema.safeParse({
    "x-api-key": headerValue(c, "x-api-key"),
    "x-workspace-id": headerValue(c, "x-workspace-id"),
  });
  if (!headers.success) throw zodValidationError("header", headers.error);
  const { "x-api-key": key, "x-workspace-id": workspaceId } = headers.data;

  if (!key) throw new ApiError("missing_api_key", "The x-api-key header is required");

  const keyHash = await sha256Hex(key);
  const maxAgeMs = apiKeyCacheTtlMs(c.env);
  const client = `key-failures:${clientKey(c.req.header("cf-connecting-ip"))}`;
  const window = keyFailureWindow(c.env);
  if (!isVerifiedKey(keyHash, maxAgeMs)) refuseIfThrottled(c, client, window);
  // The workspace names the shard the key and every row of the request live on.
  const here = workspaceId ? await c.var.useOrganization(workspaceId.toLowerCase()) : "DB";
  const elsewhere = () =>
    shardBindings(c.env).flatMap(([binding, d1]) => (binding === here ? [] : [createDatabase(d1)]));
  const active = await resolveApiKey(c.get("db"), keyHash, maxAgeMs, elsewhere);
  if (!active) {
    await countFailure(c, c.env.KEY_FAILURE_LIMITER, client, window);
    throw new ApiError("invalid_api_key", "Invalid or revoked API key");
  }

  if (!workspaceId) {
    throw new ApiError("missing_workspace", "The x-workspace-id header is required");
  }
  if (workspaceId.toLowerCase() !== active.organizationId) {
    throw new ApiError("workspace_mismatch", "This API key does not belong to that workspace");
  }
  c.set("organizationId", active.organizationId);
  c.set("principal", `key:${active.id}`);
  await enforceRateLimit(c, c.env.API_RATE_LIMITER, `key:${active.id}`, apiRateWindow(c.env));
  recordUse(c, active.id, active.organizationId);
  c.set("caller", { keyId: active.id, organizationId: active.organizationId });
  if (!READS.has(c.req.method)) {
    // A write meets the organization's fence in its own batch (platform/db/fences.ts).
    await next();
    return;
  }
  // A read carries the fence inside its round trip, and is not answered from a shard the
  // organization has left: the request goes again, to the new one.
  const fence = c.var.db.deferCheck(fenceQuery({ organizationId: active.organizationId }));
  await next();
  if (c.res.status >= 400 && !fence.sent) return;
  const rows = await fence.rows();
  refuseIfFenced(active.organizationId, readFence(rows[0]), false);
});

/**
 * The middleware above, marked with what it answers (400 for a malformed header, 403 for another
 * workspace): every route it guards documents them.
 */
export const authenticateKey = answering({ statuses: [400, 401, 403, 429] }, authenticateCaller);

/** What the OpenAPI document says every route behind `authenticateKey` needs. */
export const apiKeySecurity = [{ apiKey: [], workspaceId: [] }];
