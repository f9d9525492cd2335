import { describe, expect, it } from "vitest";
import { toIso } from "../../src/platform/util/time";

describe("toIso", () => {
  it("formats exactly like Date#toISOString, across days, years and edges", () => {
    const samples = [
      0,
      1,
      999,
      86_399_999,
      86_400_000,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2026, 4, 18, 13, 30),
      253_402_300_799_999,
    ];
    let seed = 42;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      samples.push(Math.floor((seed / 2 ** 31) * 4_102_444_800_000));
      samples.push(Date.UTC(2026, 0, 1) + (seed % 86_400_000) * 7);
    }
    for (const ms of samples) expect(toIso(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it("falls back to Date for times outside 0000–9999 and for fractions", () => {
    for (const ms of [-1, -86_400_001, 253_402_300_800_000, 1.5]) {
      expect(toIso(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
