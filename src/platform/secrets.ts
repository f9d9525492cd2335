/*
 * What makes a JWT_SECRET unusable. Plain functions with no Workers imports, so `npm run dev`
 * (Node) applies the same rule when it writes .dev.vars as the Worker does when it signs.
 */

/** Secrets that were ever published with this project: anyone can sign tokens with them. */
export const PUBLISHED_JWT_SECRETS: ReadonlySet<string> = new Set([
  // .dev.vars.example's placeholder: `npm run dev` replaces it with a random secret.
  "replace-me-npm-run-dev-writes-a-random-secret-here",
  // The fixed development secret of the first release's .dev.vars.example.
  "dev-only-secret-change-me-0123456789abcdef0123456789abcdef",
]);

/** 32 bytes: the HMAC-SHA256 key size. */
export const MIN_SECRET_BITS = 256;
/** Below this many different characters a long secret is a pattern, not randomness. */
const MIN_DISTINCT_CHARACTERS = 16;

/**
 * An upper estimate of a secret's entropy: its length times the bits per character of the
 * smallest usual alphabet holding all its characters (hex 4, base64/base64url 6, else printable
 * ASCII ~6.6). `openssl rand -hex 32` and `-base64 32` both reach 256 bits; a word or a
 * repeated pattern does not.
 */
export function estimatedSecretBits(secret: string): number {
  const alphabet = /^[0-9a-f]*$/i.test(secret) ? 16 : /^[A-Za-z0-9+/=_-]*$/.test(secret) ? 64 : 95;
  const distinct = new Set(secret).size;
  return distinct < MIN_DISTINCT_CHARACTERS ? 0 : Math.floor(secret.length * Math.log2(alphabet));
}

/** Why this secret must not be used to sign or verify tokens, or undefined when it may be. */
export function jwtSecretProblem(secret: string | undefined): string | undefined {
  if (typeof secret !== "string" || secret === "") return "JWT_SECRET is not set";
  if (PUBLISHED_JWT_SECRETS.has(secret)) {
    return "JWT_SECRET is a value published with this project (.dev.vars.example)";
  }
  if (estimatedSecretBits(secret) < MIN_SECRET_BITS) {
    return `JWT_SECRET has less than ${MIN_SECRET_BITS / 8} bytes of entropy`;
  }
  return undefined;
}

/** A new secret of 32 random bytes, base64url (43 characters). */
export function randomJwtSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}
