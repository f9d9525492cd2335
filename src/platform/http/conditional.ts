import type { Context } from "hono";
import { toHex, utf8 } from "../util/encoding";

/** 64 bits of SHA-256 of a representation: plenty to tell versions of one resource apart. */
export async function contentHash(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", utf8(text))).slice(0, 16);
}

/** `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === opaque);
}

/**
 * A single-resource GET answer: the JSON text with its ETag, or 304 without a body when the
 * client already holds it. Tenant data: browsers and proxies may keep it only privately, and
 * must revalidate (`no-cache`) before reuse.
 */
export function respondConditionally(c: Context, text: string, etag: string): Response {
  const headers = { ETag: etag, "Cache-Control": "private, no-cache" };
  if (matchesIfNoneMatch(c.req.header("if-none-match"), etag)) return c.body(null, 304, headers);
  return c.body(text, 200, { ...headers, "Content-Type": "application/json" });
}
