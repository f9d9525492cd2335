/*
 * PBKDF2-SHA256 password hashes through Web Crypto, stored as
 * `pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>`.
 * This module has no imports so the seed script (plain Node) can hash the demo passwords with it.
 */

/** The most Workers' Web Crypto allows for PBKDF2. */
export const PBKDF2_ITERATIONS = 100_000;
const SCHEME = "pbkdf2-sha256";
const HASH_BYTES = 32;
const SALT_BYTES = 16;

/**
 * PBKDF2 work done in this isolate so far. Only ever added to; read around a request it says
 * how much password work that request cost, which is how the tests hold every login to the
 * same cost without timing anything.
 */
export const pbkdf2Work = { derivations: 0, iterations: 0 };

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  pbkdf2Work.derivations += 1;
  pbkdf2Work.iterations += iterations;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    HASH_BYTES * 8,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(
  password: string,
  salt: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(SALT_BYTES)),
): Promise<string> {
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `${SCHEME}$${PBKDF2_ITERATIONS}$${base64(salt)}$${base64(hash)}`;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** The parts of a stored hash this module wrote, or undefined for anything else. */
function parseHash(stored: string) {
  const [scheme, iterationsText, saltText, hashText, ...rest] = stored.split("$");
  const iterations = Number(iterationsText);
  if (scheme !== SCHEME || !saltText || !hashText || rest.length > 0) return undefined;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS) {
    return undefined;
  }
  try {
    return { iterations, salt: fromBase64(saltText), hash: fromBase64(hashText) };
  } catch {
    return undefined; // not base64
  }
}

/** A salt for the work done when there is no hash to check against. */
const NO_SALT = new Uint8Array(SALT_BYTES);

/**
 * False for a wrong password and for a stored value that is not a hash this module wrote.
 * Always costs `PBKDF2_ITERATIONS` iterations, whatever `stored` is: a hash of fewer iterations
 * is topped up, and an empty or unusable value (a user who has not set a password yet, no user
 * at all) costs one full derivation that checks nothing. So the time a login takes says
 * nothing about the account it names.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) {
    await derive(password, NO_SALT, PBKDF2_ITERATIONS);
    return false;
  }
  const actual = await derive(password, parsed.salt, parsed.iterations);
  if (parsed.iterations < PBKDF2_ITERATIONS) {
    await derive(password, parsed.salt, PBKDF2_ITERATIONS - parsed.iterations);
  }
  return equalBytes(actual, parsed.hash);
}
