import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CursorPosition, decodeCursor, encodeCursor } from "../../src/platform/http/cursor";

/** Every id a list can end on: ObjectIds and vendor ids. */
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

describe("cursor codec", () => {
  it("round-trips every position a stored row can have, before 1970 included", () => {
    const createdAt = fc.oneof(
      fc.maxSafeInteger(),
      fc.integer({ min: -62_135_596_800_000, max: 0 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
    );
    fc.assert(
      fc.property(createdAt, id, (at, last) => {
        const position: CursorPosition = { createdAt: at, id: last };
        const cursor = encodeCursor(position);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeCursor(cursor)).toEqual(position);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([-1, -86_400_000, Number.MIN_SAFE_INTEGER])("round-trips createdAt %d", (createdAt) => {
    const position = { createdAt, id: "65c2d0e0f0a0b0c0d0e0f0a0" };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each([
    ["not base64url", "%%%"],
    ["another shape", encodeCursor({ createdAt: 1, id: "x" }).slice(0, -2)],
    ["a string time", btoa(JSON.stringify(["1", "abc"])).replaceAll("=", "")],
    ["an id of another form", btoa(JSON.stringify([1, "a b"])).replaceAll("=", "")],
    ["too long", "A".repeat(201)],
  ])("refuses %s", (_, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(/cursor/);
  });
});
