import { z } from "@hono/zod-openapi";
import { sign, verify } from "hono/utils/jwt/jwt";
import { JwtTokenExpired } from "hono/utils/jwt/types";
import { USER_ROLES } from "../db/schema";
import { ApiError } from "../errors/api-error";
import { OBJECT_ID_PATTERN } from "../lib/ids";

export const TokenClaimsSchema = z.object({
  sub: z.string().regex(OBJECT_ID_PATTERN),
  org: z.string().regex(OBJECT_ID_PATTERN),
  role: z.enum(USER_ROLES),
  iat: z.number().int(),
  exp: z.number().int(),
});

export type TokenClaims = z.infer<typeof TokenClaimsSchema>;

/** Long enough for any token we issue; longer input is refused before any crypto runs. */
const MAX_TOKEN_LENGTH = 2048;

// Importing the HMAC key costs more than the HMAC itself; the secret is fixed for an isolate's life.
const keys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, key);
  }
  return key;
}

export async function issueToken(
  secret: string,
  subject: { userId: string; organizationId: string; role: TokenClaims["role"] },
  ttlSeconds: number,
  nowMs: number = Date.now(),
): Promise<{ token: string; claims: TokenClaims }> {
  const iat = Math.floor(nowMs / 1000);
  const claims: TokenClaims = {
    sub: subject.userId,
    org: subject.organizationId,
    role: subject.role,
    iat,
    exp: iat + ttlSeconds,
  };
  return { token: await sign(claims, await hmacKey(secret), "HS256"), claims };
}

const invalid = () =>
  new ApiError("invalid_token", "Invalid or expired token", {
    headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
  });

/**
 * HS256 only: the algorithm is pinned, so `alg: none` or an asymmetric algorithm named in the
 * header is refused before the signature is looked at. Every claim of the contract is required.
 */
export async function verifyToken(token: string, secret: string): Promise<TokenClaims> {
  if (token.length > MAX_TOKEN_LENGTH) throw invalid();
  let payload: unknown;
  try {
    payload = await verify(token, await hmacKey(secret), "HS256");
  } catch (error) {
    if (error instanceof JwtTokenExpired) {
      throw new ApiError("token_expired", "Invalid or expired token: the token has expired", {
        headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
      });
    }
    throw invalid();
  }
  const claims = TokenClaimsSchema.safeParse(payload);
  if (!claims.success) throw invalid();
  return claims.data;
}
