import type { CursorPosition } from "../db/keyset";
import { validationError } from "../errors/api-error";
import { toBase64Url, utf8 } from "../util/encoding";

/*
 * Keyset cursors for lists ordered newest first with the id as tie-break: the position is the
 * last item's (createdAt, id). Opaque to clients (base64url JSON), validated strictly on the way in,
 * so a cursor costs the same at page 500 as at page 1 and never shifts when rows are added.
 */
export type { CursorPosition };

const POSITION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_CURSOR_LENGTH = 200;

export function encodeCursor(position: CursorPosition): string {
  return toBase64Url(utf8(JSON.stringify([position.createdAt, position.id])));
}

function parse(cursor: string): CursorPosition | null {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [createdAt, id] = value;
    // Any time a row can hold, before 1970 included: a cursor this service issued always works.
    if (typeof createdAt !== "number" || !Number.isFinite(createdAt)) return null;
    if (typeof id !== "string" || !POSITION_ID.test(id)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

/** The position a cursor names; a cursor this service did not issue is a 400 on `query.cursor`. */
export function decodeCursor(cursor: string): CursorPosition {
  const position = parse(cursor);
  if (!position) {
    throw validationError([
      {
        field: "query.cursor",
        rule: "cursor",
        message: "is not a cursor returned by this list; start again without it",
      },
    ]);
  }
  return position;
}
