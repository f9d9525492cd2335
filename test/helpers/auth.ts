import { env } from "cloudflare:workers";
import { newObjectId } from "../../src/platform/util/ids";
import { issueToken } from "../../src/surfaces/training-api/jwt";
import { insertOrganization, insertUser } from "./factories";
import { ACME, ACME_KEY, ADMIN, AGENT, ALICE } from "./seed";

type Role = "admin" | "manager" | "agent";

/** The demo user of each role in Acme, so a token's role is also the user's role in D1. */
const SEEDED: Record<Role, string> = { admin: ADMIN, manager: ALICE, agent: AGENT };

/**
 * A token as a login would issue it: a session row in D1 for the user (the freshness check
 * reads it on every request) and the user's current token version. For a user that does not
 * exist no session can be written: the token then names one that does not exist either.
 */
export async function tokenFor(
  user: { userId?: string; organizationId?: string; role?: Role; sessionId?: string } = {},
  ttlSeconds = 3600,
): Promise<string> {
  const role = user.role ?? "manager";
  const userId = user.userId ?? SEEDED[role];
  const organizationId = user.organizationId ?? ACME;
  const sessionId = user.sessionId ?? (await openTestSession(userId, organizationId));
  const row = await env.DB.prepare(
    "select token_version from users where id = ? and organization_id = ?",
  )
    .bind(userId, organizationId)
    .first<{ token_version: number }>();
  const { token } = await issueToken(
    env.JWT_SECRET,
    { userId, organizationId, role, sessionId, tokenVersion: row?.token_version ?? 1 },
    ttlSeconds,
  );
  return token;
}

/**
 * A new user of `role` in the organization, and a token for them: for a role the seed has no
 * user of there (Globex has no admin), without changing any seeded user.
 */
export async function newUserToken(role: Role, organizationId = ACME) {
  const user = await insertUser({ organizationId, role });
  return { user, token: await tokenFor({ userId: user.id, organizationId, role }) };
}

/**
 * A new organization with one user of `role` and their token: a tenant whose rows are only the
 * ones its test writes.
 */
export async function newOrganization(role: Role = "admin") {
  const organization = await insertOrganization();
  return { organizationId: organization.id, ...(await newUserToken(role, organization.id)) };
}

/** A session row for the user (none when the user does not exist); its id either way. */
export async function openTestSession(userId: string, organizationId: string): Promise<string> {
  const id = newObjectId();
  const now = Date.now();
  await env.DB.prepare(
    "insert into sessions (id, organization_id, user_id, created_at, expires_at) select ?, organization_id, id, ?, ? from users where id = ? and organization_id = ?",
  )
    .bind(id, now, now + 86_400_000, userId, organizationId)
    .run();
  return id;
}

export const bearer = (token: string): RequestInit => ({
  headers: { authorization: `Bearer ${token}` },
});

export const apiKeyHeaders = (key = ACME_KEY, workspace = ACME): RequestInit => ({
  headers: { "x-api-key": key, "x-workspace-id": workspace },
});

const b64url = (value: string | Uint8Array) => {
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
};

/** A hand-built HS256 token, for the claims and headers our own issuer would never produce. */
export async function craftToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string = env.JWT_SECRET,
): Promise<string> {
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(signingInput));
  return `${signingInput}.${b64url(new Uint8Array(signature))}`;
}

export const validClaims = (overrides: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: ALICE,
    org: ACME,
    role: "manager",
    sid: "6b0000000000000000000000",
    ver: 1,
    iat: now,
    exp: now + 600,
    ...overrides,
  };
};
