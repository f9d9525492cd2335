import { toBase64Url } from "./encoding";

/**
 * A bearer secret: 256 random bits (base64url) after a short prefix naming what it is for
 * (`st_` setup, `rt_` refresh), so a token pasted in the wrong place is recognised as such, and
 * the organization it belongs to, so the request that presents it goes to that organization's
 * shard (docs/sharding.md) without a lookup: `st_<organization id>_<secret>`. Stored only as its
 * SHA-256 (of the whole token: a changed organization id finds nothing).
 */
export const opaqueToken = (prefix: "st" | "rt", organizationId: string): string =>
  `${prefix}_${organizationId}_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;

const ORGANIZATION = /^(?:st|rt)_([0-9a-f]{24})_[A-Za-z0-9_-]{43}$/;

/** The organization a token names; none for one issued before tokens named it (on DB). */
export const organizationOfToken = (token: string): string | undefined =>
  ORGANIZATION.exec(token)?.[1];
