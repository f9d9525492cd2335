import { fromBase64Url, toBase64 } from "../util/encoding";

/*
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the signed content is
 * `<webhook-id>.<webhook-timestamp>.<body>`, HMAC-SHA256 keyed with the secret's bytes (the
 * base64 after `whsec_`), sent as `webhook-signature: v1,<base64>`; several space-separated
 * while a rotated secret's grace period runs, so a receiver with either secret verifies.
 */

const PREFIX = "whsec_";

/** A new secret: `whsec_` + base64 of 32 random bytes. Shown once; kept to sign with. */
export const newWebhookSecret = (): string =>
  PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));

const keys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size > 1000) keys.clear();
    key = crypto.subtle.importKey(
      "raw",
      // Standard base64 decodes the same way (no - or _ in it).
      fromBase64Url(secret.slice(PREFIX.length)),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    keys.set(secret, key);
  }
  return key;
}

export async function sign(secret: string, id: string, timestamp: number, body: string) {
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), content);
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

/** The `webhook-*` headers of one delivery, signed with every secret given. */
export async function signedHeaders(
  secrets: string[],
  id: string,
  timestamp: number,
  body: string,
): Promise<Record<string, string>> {
  const signatures = await Promise.all(secrets.map((s) => sign(s, id, timestamp, body)));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatures.join(" "),
  };
}
