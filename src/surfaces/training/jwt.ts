import { z } from "@hono/zod-openapi";
import { sign, verify } from "hono/utils/jwt/jwt";
import { USER_ROLES } from "../../platform/db/schema";
import { ApiError } from "../../platform/errors/api-error";
import { OBJECT_ID_PATTERN } from "../../platform/util/ids";

export const TokenClaimsSchema = z.object({
  sub: z.string().regex(OBJECT_ID_PATTERN),
  org: z.string().regex(OBJECT_ID_PATTERN),
  role: z.enum(USER_ROLES),
  /** The session (login) the token descends from: logging out ends it. */
  sid: z.string().regex(OBJECT_ID_PATTERN),
  /** The user's token version when it was issued: bumping it ends every token of the user. */
  ver: z.number().int().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
});

export type TokenClaims = z.infer<typeof TokenClaimsSchema>;

/** Long enough for any token we issue; longer input is refused before any crypto runs. */
const MAX_TOKEN_LENGTH = 2048;
/** Tolerated clock difference between the issuer and this isolate for `iat`. */
const CLOCK_SKEW_SECONDS = 60;

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
  subject: {
    userId: string;
    organizationId: string;
    role: TokenClaims["role"];
    sessionId: string;
    tokenVersion: number;
  },
  ttlSeconds: number,
  nowMs: number = Date.now(),
): Promise<{ token: string; claims: TokenClaims }> {
  const iat = Math.floor(nowMs / 1000);
  const claims: TokenClaims = {
    sub: subject.userId,
    org: subject.organizationId,
    role: subject.role,
    sid: subject.sessionId,
    ver: subject.tokenVersion,
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
 * HS256 only: the algorithm is pinned, so `alg: none` or any other algorithm named in the header
 * is refused. The signature is checked first, then the claims' shape (every claim of the contract
 * is required), and only then the time: "expired" is said only of a token we really issued.
 */
export async function verifyToken(
  token: string,
  secret: string,
  nowMs: number = Date.now(),
): Promise<TokenClaims> {
  if (token.length > MAX_TOKEN_LENGTH) throw invalid();
  let payload: unknown;
  try {
    payload = await verify(token, await hmacKey(secret), {
      alg: "HS256",
      exp: false,
      nbf: false,
      iat: false,
    });
  } catch {
    throw invalid();
  }
  const parsed = TokenClaimsSchema.safeParse(payload);
  if (!parsed.success) throw invalid();
  const claims = parsed.data;
  const now = Math.floor(nowMs / 1000);
  if (claims.iat > now + CLOCK_SKEW_SECONDS) throw invalid();
  if (claims.exp <= now) {
    throw new ApiError("token_expired", "Invalid or expired token: the token has expired", {
      headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
    });
  }
  return claims;
}
