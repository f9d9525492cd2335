import { describe, expect, it } from "vitest";
import { TtlCache } from "../../src/platform/util/ttl-cache";

describe("TtlCache", () => {
  it("serves an entry while younger than the max age given at read time", () => {
    const cache = new TtlCache<string, number>(10);
    cache.set("k", 1, 1000);
    expect(cache.get("k", 500, 1499)).toBe(1);
    expect(cache.get("k", 500, 1500)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("applies a shorter max age to entries already stored", () => {
    const cache = new TtlCache<string, number>(10);
    cache.set("k", 1, 0);
    expect(cache.get("k", 60_000, 5_000)).toBe(1);
    expect(cache.get("k", 1_000, 5_000)).toBeUndefined();
  });

  it("evicts the oldest entry when full", () => {
    const cache = new TtlCache<string, number>(2);
    cache.set("a", 1, 0);
    cache.set("b", 2, 0);
    cache.set("c", 3, 0);
    expect(cache.get("a", 10, 1)).toBeUndefined();
    expect(cache.get("b", 10, 1)).toBe(2);
    expect(cache.get("c", 10, 1)).toBe(3);
  });
});
