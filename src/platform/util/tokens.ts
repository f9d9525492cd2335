import { toBase64Url } from "./encoding";

/**
 * A bearer secret: 256 random bits (base64url) after a short prefix naming what it is for
 * (`st_` setup, `rt_` refresh), so a token pasted in the wrong place is recognised as such.
 * Stored only as its SHA-256.
 */
export const opaqueToken = (prefix: "st" | "rt"): string =>
  `${prefix}_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
