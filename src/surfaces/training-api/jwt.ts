import { z } from "@hono/zod-openapi";
import { sign, verify } from "hono/utils/jwt/jwt";
import { USER_ROLES } from "../../platform/db/schema";
import { ApiError } from "../../platform/errors/api-error";
import { OBJECT_ID_PATTERN } from "../../platform/util/ids";
import { TtlCache } from "../../platform/util/ttl-cache";

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
 * Tokens whose signature and claims were verified, by their exact text, per secret: a client
 * sends the same token on every request until it expires, and the HMAC, the base64 and JSON
 * decoding and the claims' parse are paid once per token and isolate. Only what the token says
 * is cached: the time checks below run on every use (a cached token still expires at `exp`),
 * and whether it still speaks for its user (logout, deactivation, role) is the database's
 * answer on every request (training/bearer.ts), never cached. Bounded: a token is ~300 bytes.
 */
const verifiedTokens = new Map<string, TtlCache<string, TokenClaims>>();
const MAX_VERIFIED_TOKENS = 5_000;

function verifiedUnder(secret: string): TtlCache<string, TokenClaims> {
  let cache = verifiedTokens.get(secret);
  if (!cache) {
    cache = new TtlCache(MAX_VERIFIED_TOKENS);
    verifiedTokens.set(secret, cache);
  }
  return cache;
}

/** The claims of a token with a valid signature and shape, whatever its times say. */
async function signedClaims(token: string, secret: string): Promise<TokenClaims> {
  const cache = verifiedUnder(secret);
  const known = cache.get(token, Number.POSITIVE_INFINITY);
  if (known) return known;
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
  const claims = Object.freeze(parsed.data);
  cache.set(token, claims);
  return claims;
}

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
  const claims = await signedClaims(token, secret);
  const now = Math.floor(nowMs / 1000);
  if (claims.iat > now + CLOCK_SKEW_SECONDS) throw invalid();
  if (claims.exp <= now) {
    verifiedUnder(secret).delete(token);
    throw new ApiError("token_expired", "Invalid or expired token: the token has expired", {
      headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
    });
  }
  return claims;
}
