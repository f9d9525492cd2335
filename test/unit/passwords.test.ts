import { describe, expect, it } from "vitest";
import {
  hashPassword,
  PBKDF2_ITERATIONS,
  pbkdf2Work,
  verifyPassword,
} from "../../src/surfaces/training-api/password";

describe("passwords", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse");
    expect(stored).toMatch(new RegExp(`^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$`));
    expect(await verifyPassword("correct horse", stored)).toBe(true);
    expect(await verifyPassword("correct horse ", stored)).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });

  it.each([
    "",
    "plaintext",
    "md5$abc",
    "pbkdf2-sha256$100001$AAAA$AAAA",
    "pbkdf2-sha256$0$AAAA$AAAA",
    "pbkdf2-sha256$abc$AAAA$AAAA",
    "pbkdf2-sha256$1000$not base64!$AAAA",
    "pbkdf2-sha256$1000$AAAA$AAAA$AAAA",
    "pbkdf2-sha256$1000$AAAA$AAAA",
  ])("refuses a stored value it did not write, at the cost of a real check: %j", async (stored) => {
    const before = pbkdf2Work.iterations;
    expect(await verifyPassword("x", stored)).toBe(false);
    expect(pbkdf2Work.iterations - before).toBe(PBKDF2_ITERATIONS);
  });
});
