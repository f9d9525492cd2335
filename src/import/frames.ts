/*
 * How the import CLI hands records to the import Worker: each record's bytes exactly as they are
 * in the file, behind a line with its position and length (`<position> <length>\n<bytes>\n`).
 * No re-encoding on either side, and a record's text is hashed as the file has it.
 */

export interface Frame {
  position: number;
  bytes: Uint8Array;
}

const encoder = new TextEncoder();
const NEWLINE = 0x0a;

/** The parts of one frame, to send as they are (no copy of the record's bytes). */
export function framePieces(position: number, pieces: Uint8Array[]): Uint8Array[] {
  const length = pieces.reduce((sum, p) => sum + p.byteLength, 0);
  return [encoder.encode(`${position} ${length}\n`), ...pieces, encoder.encode("\n")];
}

/** The frames of a body; throws on a body that is not a sequence of frames. */
export function readFrames(body: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  const decoder = new TextDecoder();
  let at = 0;
  while (at < body.byteLength) {
    const end = body.indexOf(NEWLINE, at);
    if (end < 0) throw new Error("a frame header without its end");
    const match = /^(\d+) (\d+)$/.exec(decoder.decode(body.subarray(at, end)));
    if (!match) throw new Error("a malformed frame header");
    const length = Number(match[2]);
    const start = end + 1;
    if (start + length + 1 > body.byteLength || body[start + length] !== NEWLINE) {
      throw new Error("a frame shorter than its header says");
    }
    frames.push({ position: Number(match[1]), bytes: body.subarray(start, start + length) });
    at = start + length + 1;
  }
  return frames;
}
