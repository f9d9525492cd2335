import { describe, expect, it } from "vitest";
import { newObjectId, OBJECT_ID_PATTERN, VENDOR_ID_PATTERN } from "../../src/platform/util/ids";

describe("newObjectId", () => {
  it("is 24 lowercase hex digits starting with the creation second", () => {
    const now = Date.UTC(2026, 10, 22, 1, 2, 3);
    const id = newObjectId(now);
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(Number.parseInt(id.slice(0, 8), 16)).toBe(Math.floor(now / 1000));
    expect(newObjectId(now)).not.toBe(id);
  });

  it("sorts by creation time", () => {
    const ids = [1, 2, 3].map((s) => newObjectId(Date.UTC(2026, 0, 1, 0, 0, s)));
    expect([...ids].sort()).toEqual(ids);
  });

  it("accepts the vendor's non-hex conversation id but not as a training id", () => {
    expect(VENDOR_ID_PATTERN.test("112ec528bf7946a12ab0fs21")).toBe(true);
    expect(OBJECT_ID_PATTERN.test("112ec528bf7946a12ab0fs21")).toBe(false);
  });
});
