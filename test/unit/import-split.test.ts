import { describe, expect, it } from "vitest";
import { JsonArraySplitter, JsonLinesSplitter, type SplitRecord } from "../../scripts/import/split";

const bytes = (text: string) => new TextEncoder().encode(text);

const text = (record: SplitRecord) => {
  const all = new Uint8Array(record.size);
  let at = 0;
  for (const piece of record.pieces) {
    all.set(piece, at);
    at += piece.byteLength;
  }
  return new TextDecoder().decode(all);
};

/** The records of `input` fed `size` bytes at a time. */
function feed(splitter: JsonArraySplitter | JsonLinesSplitter, input: string, size: number) {
  const all = bytes(input);
  const out: SplitRecord[] = [];
  for (let i = 0; i < all.length; i += size) out.push(...splitter.push(all.subarray(i, i + size)));
  out.push(...splitter.end());
  return out;
}

const values = (records: SplitRecord[]) => records.map((r) => JSON.parse(text(r)));

describe("JsonArraySplitter", () => {
  const array = '[ {"a":"] , [","b":[1,{"c":"}"}]} ,\n{"d":"\\"quoted\\""}, {} ]';
  const document =
    '{"exportDate":"data","nested":{"data":[9]},"data":[{"x":1},{"y":[2,3]}],"totalSnapshots":2}';

  it.each([1, 2, 5, 64, 10_000])("finds every element whatever the chunk size (%i)", (size) => {
    expect(values(feed(new JsonArraySplitter(), array, size))).toEqual([
      { a: "] , [", b: [1, { c: "}" }] },
      { d: '"quoted"' },
      {},
    ]);
    expect(values(feed(new JsonArraySplitter("data"), document, size))).toEqual([
      { x: 1 },
      { y: [2, 3] },
    ]);
  });

  it("keeps multi-byte characters whole across chunks", () => {
    const input = JSON.stringify([{ name: "Zoë 😀" }]);
    expect(values(feed(new JsonArraySplitter(), input, 1))).toEqual([{ name: "Zoë 😀" }]);
  });

  it("hands out a record's bytes exactly as the file has them (what the import hashes)", () => {
    const input = '[\n  {"b": 1,\n   "a": "x"}  ,{"c":2}]';
    const records = feed(new JsonArraySplitter(), input, 4);
    expect(records.map((r) => text(r).trim())).toEqual(['{"b": 1,\n   "a": "x"}', '{"c":2}']);
  });

  it("hands out a record over the limit without its bytes, and goes on", () => {
    const input = JSON.stringify([{ big: "x".repeat(1000) }, { small: 1 }]);
    const records = feed(new JsonArraySplitter(undefined, 100), input, 64);
    expect(records.map((r) => [r.tooLarge, r.pieces.length])).toEqual([
      [true, 0],
      [false, 1],
    ]);
    expect(records[0]?.size).toBe(JSON.stringify({ big: "x".repeat(1000) }).length);
    expect(JSON.parse(text(records[1] as SplitRecord))).toEqual({ small: 1 });
  });

  it.each([
    ['{"a":1}', undefined, /expected a JSON array/],
    ['[{"a":1}', undefined, /ends in the middle/],
    ['{"other":[]}', "data", /no "data" array/],
    ["[1,,2]", undefined, /empty element/],
  ])("refuses %j", (input, key, error) => {
    expect(() => feed(new JsonArraySplitter(key), input, 3)).toThrow(error);
  });
});

describe("JsonLinesSplitter", () => {
  it.each([1, 3, 1000])("one record a line, blank lines and CRLF ends aside (%i)", (size) => {
    const input = '{"a":1}\r\n\n  \n{"b":"é"}\n{"c":3}';
    expect(values(feed(new JsonLinesSplitter(), input, size))).toEqual([
      { a: 1 },
      { b: "é" },
      { c: 3 },
    ]);
  });

  it("hands out a line over the limit without its bytes", () => {
    const records = feed(new JsonLinesSplitter(10), `${"x".repeat(50)}\n{"a":1}\n`, 7);
    expect(records.map((r) => [r.tooLarge, r.size])).toEqual([
      [true, 50],
      [false, 7],
    ]);
  });
});
