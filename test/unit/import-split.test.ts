import { describe, expect, it } from "vitest";
import { JsonArraySplitter } from "../../scripts/import/split";

const feed = (splitter: JsonArraySplitter, text: string, size: number) => {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...splitter.push(text.slice(i, i + size)));
  out.push(...splitter.end());
  return out.map((t) => JSON.parse(t));
};

describe("JsonArraySplitter", () => {
  const array = '[ {"a":"] , [","b":[1,{"c":"}"}]} ,\n{"d":"\\"quoted\\""}, {} ]';
  const document =
    '{"exportDate":"data","nested":{"data":[9]},"data":[{"x":1},{"y":[2,3]}],"totalSnapshots":2}';

  it.each([1, 2, 5, 64, 10_000])("finds every element whatever the chunk size (%i)", (size) => {
    expect(feed(new JsonArraySplitter(), array, size)).toEqual([
      { a: "] , [", b: [1, { c: "}" }] },
      { d: '"quoted"' },
      {},
    ]);
    expect(feed(new JsonArraySplitter("data"), document, size)).toEqual([{ x: 1 }, { y: [2, 3] }]);
  });

  it("keeps multi-byte characters whole across chunks", () => {
    const text = JSON.stringify([{ name: "Zoë 😀" }]);
    expect(feed(new JsonArraySplitter(), text, 1)).toEqual([{ name: "Zoë 😀" }]);
  });

  it.each([
    ['{"a":1}', undefined, /expected a JSON array/],
    ['[{"a":1}', undefined, /ends in the middle/],
    ['{"other":[]}', "data", /no "data" array/],
    ["[1,,2]", undefined, /empty element/],
  ])("refuses %j", (text, key, error) => {
    expect(() => feed(new JsonArraySplitter(key), text, 3)).toThrow(error);
  });
});
