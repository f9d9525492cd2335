import { toIso, toIsoOrNull } from "../../../platform/util/time";
import type { ApiKeyRecord } from "./api-keys.repository";

/** A key as lists show it: never the key, never its hash. */
export const shapeApiKey = (key: ApiKeyRecord) => ({
  _id: key.id,
  name: key.name,
  prefix: key.prefix,
  createdAt: toIso(key.createdAt),
  lastUsedAt: toIsoOrNull(key.lastUsedAt),
  revokedAt: toIsoOrNull(key.revokedAt),
});
