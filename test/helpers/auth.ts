import { env } from "cloudflare:workers";
import { issueToken } from "../../src/surfaces/training/jwt";
import { ACME, ACME_KEY, ALICE } from "./seed";

type Role = "admin" | "manager" | "agent";

export async function tokenFor(
  user: { userId?: string; organizationId?: string; role?: Role } = {},
  ttlSeconds = 3600,
): Promise<string> {
  const { token } = await issueToken(
    env.JWT_SECRET,
    {
      userId: user.userId ?? ALICE,
      organizationId: user.organizationId ?? ACME,
      role: user.role ?? "manager",
    },
    ttlSeconds,
  );
  return token;
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
  return { sub: ALICE, org: ACME, role: "manager", iat: now, exp: now + 600, ...overrides };
};
