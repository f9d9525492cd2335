import { toHex } from "./encoding";

/** Training API ids and every id the service generates: MongoDB ObjectId layout, 24 hex digits. */
export const OBJECT_ID_PATTERN = /^[0-9a-fA-F]{24}$/;

/** Conversations API ids: the vendor's ids are not always hex (`112ec528bf7946a12ab0fs21`). */
export const VENDOR_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A new ObjectId: 4 bytes of seconds since the epoch, then 8 random bytes. Ids therefore sort by
 * creation second, which keeps B-tree inserts near the right edge of the index.
 */
export function newObjectId(now: number = Date.now()): string {
  const seconds = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, "0");
  return seconds + toHex(crypto.getRandomValues(new Uint8Array(8)));
}
