/**
 * Splits a file arriving in chunks of bytes into its records, without holding the file: the
 * elements of one JSON array (the top-level array, or the array under a key of the top-level
 * object, `{ "data": [ … ] }`), or the lines of a JSON lines file. Works on UTF-8 bytes: every
 * byte JSON's structure depends on is ASCII, and no byte of a multi-byte character is. A record
 * is handed out as slices of the chunks it spans (no copy); one longer than `maxBytes` is handed
 * out without its bytes (`tooLarge`), so a huge record never sits in memory.
 */

export interface SplitRecord {
  /** The record's bytes, in order; empty when `tooLarge`. */
  pieces: Uint8Array[];
  size: number;
  tooLarge: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const NEWLINE = 0x0a;
/** Longest key compared with the target key; longer strings at that depth are not it. */
const MAX_KEY_BYTES = 256;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Collects one record's slices, dropping them once the record passes `maxBytes`. */
class Collector {
  private pieces: Uint8Array[] = [];
  private size = 0;
  private content = false;

  constructor(private readonly maxBytes: number) {}

  add(slice: Uint8Array) {
    if (slice.byteLength === 0) return;
    this.size += slice.byteLength;
    if (!this.content) this.content = slice.some((b) => !isSpace(b));
    if (this.size > this.maxBytes) this.pieces = [];
    else this.pieces.push(slice);
  }

  get empty() {
    return !this.content;
  }

  take(): SplitRecord {
    const record = { pieces: this.pieces, size: this.size, tooLarge: this.size > this.maxBytes };
    this.pieces = [];
    this.size = 0;
    this.content = false;
    return record;
  }
}

export class JsonArraySplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Depth of the target array's elements once it is open; -1 before, 0 after it closed. */
  private elementDepth = -1;
  private readonly element: Collector;
  /** The string being read at depth 1 (a key of the top-level object), while short. */
  private keyBytes: number[] = [];
  private lastKey: string | undefined;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly key?: string,
    maxBytes = Number.POSITIVE_INFINITY,
  ) {
    this.element = new Collector(maxBytes);
  }

  private inside() {
    return this.elementDepth > 0 && this.depth >= this.elementDepth;
  }

  push(chunk: Uint8Array): SplitRecord[] {
    const out: SplitRecord[] = [];
    // Where the current element's bytes start in this chunk (-1: not in an element).
    let start = this.inside() ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (!this.inside() && this.depth === 1 && this.keyBytes.length <= MAX_KEY_BYTES) {
            this.lastKey = this.decoder.decode(new Uint8Array(this.keyBytes));
          }
        } else if (!this.inside() && this.depth === 1 && this.keyBytes.length <= MAX_KEY_BYTES) {
          this.keyBytes.push(b);
        }
        continue;
      }
      if (b === QUOTE) {
        this.inString = true;
        this.keyBytes = [];
        continue;
      }
      if (
        this.elementDepth > 0 &&
        this.depth === this.elementDepth &&
        (b === COMMA || b === CLOSE_ARRAY)
      ) {
        // Between elements: the one before ends here.
        this.element.add(chunk.subarray(start, i));
        if (!this.element.empty) out.push(this.element.take());
        else if (b === COMMA) throw new Error("an empty element in the array");
        else this.element.take();
        if (b === CLOSE_ARRAY) {
          this.depth--;
          this.elementDepth = 0;
          start = -1;
        } else start = i + 1;
        continue;
      }
      if (this.inside()) {
        if (b === OPEN_ARRAY || b === OPEN_OBJECT) this.depth++;
        else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) this.depth--;
        continue;
      }
      if (isSpace(b) || b === COLON || b === COMMA) continue;
      if (this.elementDepth === -1) {
        const wantsArray =
          this.key === undefined ? this.depth === 0 : this.depth === 1 && this.lastKey === this.key;
        if (b === OPEN_ARRAY && wantsArray) {
          this.depth++;
          this.elementDepth = this.depth;
          start = i + 1;
          continue;
        }
        if (this.depth === 0 && b !== (this.key === undefined ? OPEN_ARRAY : OPEN_OBJECT)) {
          throw new Error(
            this.key === undefined ? "expected a JSON array" : "expected a JSON object",
          );
        }
      }
      if (b === OPEN_ARRAY || b === OPEN_OBJECT) this.depth++;
      else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) this.depth--;
      if (this.depth < 0) throw new Error("unbalanced brackets");
    }
    if (start >= 0) this.element.add(chunk.subarray(start));
    return out;
  }

  end(): SplitRecord[] {
    if (this.elementDepth === -1) {
      throw new Error(
        this.key === undefined ? "expected a JSON array" : `no "${this.key}" array in the document`,
      );
    }
    if (this.elementDepth > 0 || this.inString || this.depth !== 0) {
      throw new Error("the document ends in the middle of the array");
    }
    return [];
  }
}

/** JSON lines: each line that is not blank is a record (a `\r` before the `\n` is its end). */
export class JsonLinesSplitter {
  private readonly line: Collector;

  constructor(maxBytes = Number.POSITIVE_INFINITY) {
    this.line = new Collector(maxBytes);
  }

  push(chunk: Uint8Array): SplitRecord[] {
    const out: SplitRecord[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      this.line.add(chunk.subarray(start, end));
      const blank = this.line.empty;
      const record = this.line.take();
      if (!blank) out.push(record);
      start = end + 1;
    }
    this.line.add(chunk.subarray(start));
    return out;
  }

  end(): SplitRecord[] {
    return this.line.empty ? [] : [this.line.take()];
  }
}
