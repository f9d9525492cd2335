import { describe, expect, it } from "vitest";
import { serverTimingHeader } from "../../src/platform/http/server-timing";

describe("serverTimingHeader", () => {
  it("lists one d1 entry per round trip, then the total", () => {
    expect(serverTimingHeader([1.234, 0.5], 7.891)).toBe("d1;dur=1.23, d1;dur=0.5, total;dur=7.89");
    expect(serverTimingHeader([], 2)).toBe("total;dur=2");
  });
});
