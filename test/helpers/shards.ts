import { env } from "cloudflare:workers";
import { sha256Hex } from "../../src/platform/util/encoding";
import { newObjectId } from "../../src/platform/util/ids";
import { opaqueToken } from "../../src/platform/util/tokens";
import { issueToken } from "../../src/surfaces/training-api/jwt";
import { apiKeyHeaders } from "./auth";

/**
 * An organization whose data lives on `binding`, as the directory (DB) records it: an admin with
 * a session (its access token and a refresh token), an API key, a contact and a conversation.
 */
export async function organizationOn(binding: "SHARD_B" | "SHARD_C") {
  const shard = env[binding];
  const now = Date.now();
  const id = { org: newObjectId(now), user: newObjectId(now), session: newObjectId(now) };
  const ids = {
    ...id,
    key: newObjectId(now),
    contact: newObjectId(now),
    conversation: newObjectId(now),
  };
  const key = `test_${crypto.randomUUID().replaceAll("-", "")}`;
  const keyHash = await sha256Hex(key);
  const refreshToken = opaqueToken("rt", ids.org);
  await env.DB.prepare(
    "insert into organizations (id, name, created_at, shard) values (?, 'On shard C', ?, ?)",
  )
    .bind(ids.org, now, binding)
    .run();
  await shard.batch([
    shard
      .prepare("insert into organizations (id, name, created_at) values (?, 'On shard C', ?)")
      .bind(ids.org, now),
    shard
      .prepare(
        "insert into users (id, organization_id, first_name, last_name, email, role, password_hash, created_at, updated_at) values (?, ?, 'Cleo', 'Shard', ?, 'admin', '', ?, ?)",
      )
      .bind(ids.user, ids.org, `cleo-${ids.user}@example.com`, now, now),
    shard
      .prepare(
        "insert into sessions (id, organization_id, user_id, created_at, expires_at) values (?, ?, ?, ?, ?)",
      )
      .bind(ids.session, ids.org, ids.user, now, now + 86_400_000),
    shard
      .prepare(
        "insert into api_keys (id, organization_id, name, prefix, key_hash, created_at) values (?, ?, 'shard key', ?, ?, ?)",
      )
      .bind(ids.key, ids.org, key.slice(0, 12), keyHash, now),
    shard
      .prepare(
        "insert into contacts (id, organization_id, first_name, phone_number, channel_type, created_at, updated_at) values (?, ?, 'Dana', '+14155550100', 'sms', ?, ?)",
      )
      .bind(ids.contact, ids.org, now, now),
    shard
      .prepare(
        "insert into conversations (id, organization_id, contact_id, created_at, updated_at) values (?, ?, ?, ?, ?)",
      )
      .bind(ids.conversation, ids.org, ids.contact, now, now),
    shard
      .prepare(
        "insert into refresh_tokens (token_hash, session_id, created_at, expires_at) values (?, ?, ?, ?)",
      )
      .bind(await sha256Hex(refreshToken), ids.session, now, now + 86_400_000),
  ]);
  const { token } = await issueToken(
    env.JWT_SECRET,
    {
      userId: ids.user,
      organizationId: ids.org,
      role: "admin",
      sessionId: ids.session,
      tokenVersion: 1,
    },
    600,
  );
  return { ids, keyHeaders: apiKeyHeaders(key, ids.org), token, refreshToken };
}
