/**
 * Splits a JSON document arriving in chunks into the texts of the elements of one array, without
 * holding the document: the top-level array (`[ … ]`), or the array under a key of the top-level
 * object (`{ "data": [ … ] }`). Incremental and pure: `push` chunks, then `end`. Each element's
 * text is handed out whole, to be parsed (and reported) on its own.
 */
export class JsonArraySplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Depth of the target array's elements once it is open; -1 before, 0 after it closed. */
  private elementDepth = -1;
  private element = "";
  private string = "";
  private lastKey: string | undefined;

  constructor(private readonly key?: string) {}

  push(chunk: string): string[] {
    const out: string[] = [];
    const inside = () => this.elementDepth > 0 && this.depth >= this.elementDepth;
    for (const ch of chunk) {
      if (this.inString) {
        if (inside()) this.element += ch;
        else if (this.depth === 1) this.string += ch;
        if (this.escaped) this.escaped = false;
        else if (ch === "\\") this.escaped = true;
        else if (ch === '"') {
          this.inString = false;
          if (!inside() && this.depth === 1) this.lastKey = this.string.slice(0, -1);
        }
        continue;
      }
      if (ch === '"') {
        this.inString = true;
        this.string = "";
        if (inside()) this.element += ch;
        continue;
      }
      if (this.elementDepth > 0 && this.depth === this.elementDepth && (ch === "," || ch === "]")) {
        // Between elements: the one before ends here.
        const text = this.element.trim();
        if (text) out.push(text);
        else if (ch === ",") throw new Error("an empty element in the array");
        this.element = "";
        if (ch === "]") {
          this.depth--;
          this.elementDepth = 0;
        }
        continue;
      }
      if (inside()) {
        this.element += ch;
        if (ch === "[" || ch === "{") this.depth++;
        else if (ch === "]" || ch === "}") this.depth--;
        continue;
      }
      if (/\s/.test(ch) || ch === ":" || ch === ",") continue;
      if (this.elementDepth === -1) {
        const wantsArray =
          this.key === undefined ? this.depth === 0 : this.depth === 1 && this.lastKey === this.key;
        if (ch === "[" && wantsArray) {
          this.depth++;
          this.elementDepth = this.depth;
          continue;
        }
        if (this.depth === 0 && ch !== (this.key === undefined ? "[" : "{")) {
          throw new Error(
            this.key === undefined ? "expected a JSON array" : "expected a JSON object",
          );
        }
      }
      if (ch === "[" || ch === "{") this.depth++;
      else if (ch === "]" || ch === "}") this.depth--;
      if (this.depth < 0) throw new Error("unbalanced brackets");
    }
    return out;
  }

  end(): string[] {
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
