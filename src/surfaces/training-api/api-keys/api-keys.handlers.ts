import { forgetVerifiedKey } from "../../../accounts/api-keys";
import { ApiError } from "../../../platform/errors/api-error";
import { sha256Hex, toBase64Url } from "../../../platform/util/encoding";
import { newObjectId } from "../../../platform/util/ids";
import { respondWithData } from "../envelope";
import type { TrainingHandler } from "../router";
import { insertApiKey, listApiKeyDocuments, revokeApiKey } from "./api-keys.repository";
import type { CreateRoute, ListRoute, RevokeRoute } from "./api-keys.routes";

const KEY_PREFIX = "cvk_";
const DISPLAY_PREFIX_LENGTH = 12;

/** 256 random bits, base64url: `cvk_` + 43 characters. */
const generateKey = (): string =>
  KEY_PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));

export const create: TrainingHandler<CreateRoute> = async (c) => {
  const admin = c.var.user;
  const { name } = c.req.valid("json");
  const now = Date.now();
  const key = generateKey();
  const row = {
    id: newObjectId(now),
    organizationId: admin.organizationId,
    name,
    prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
    keyHash: await sha256Hex(key),
    createdByUserId: admin.userId,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  return respondWithData(c, await insertApiKey(c.get("db"), row, key), 201);
};

export const list: TrainingHandler<ListRoute> = async (c) => {
  const admin = c.var.user;
  const docs = await listApiKeyDocuments(c.get("db"), admin.organizationId);
  return respondWithData(c, `[${docs.join(",")}]`, 200);
};

export const revoke: TrainingHandler<RevokeRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const admin = c.var.user;
  const revoked = await revokeApiKey(c.get("db"), admin.organizationId, id, Date.now());
  if (!revoked) throw new ApiError("not_found", `API key ${id} not found`);
  forgetVerifiedKey(revoked.keyHash);
  return c.body(null, 204);
};
