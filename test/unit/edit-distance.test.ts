import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { editDistance } from "../../src/platform/util/edit-distance";

/** The textbook dynamic programme over code points, to hold the fast one to. */
function reference(a: string, b: string): number {
  const [x, y] = [[...a], [...b]];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[y.length] as number;
}

describe("editDistance", () => {
  it("counts characters changed", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("counts an emoji (two UTF-16 units) as one character", () => {
    expect(editDistance("I 👍 it", "I 👎 it")).toBe(1);
    expect(editDistance("ok", "ok 🎉")).toBe(2);
  });

  it("agrees with the textbook algorithm on any texts", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 40 }),
        fc.string({ unit: "grapheme", maxLength: 40 }),
        (a, b) => {
          expect(editDistance(a, b)).toBe(reference(a, b));
        },
      ),
      { numRuns: 300 },
    );
  });
});
