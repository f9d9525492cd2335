import { describe, expect, it } from "vitest";
import {
  estimatedSecretBits,
  jwtSecretProblem,
  PUBLISHED_JWT_SECRETS,
  randomJwtSecret,
} from "../../src/platform/secrets";

describe("jwtSecretProblem", () => {
  it.each([
    ["openssl rand -hex 32", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    ["openssl rand -base64 32", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="],
    ["randomJwtSecret()", randomJwtSecret()],
  ])("accepts 32 random bytes (%s)", (_, secret) => {
    expect(estimatedSecretBits(secret)).toBeGreaterThanOrEqual(256);
    expect(jwtSecretProblem(secret)).toBeUndefined();
  });

  it.each([
    ["unset", undefined, /not set/],
    ["empty", "", /not set/],
    ["published", [...PUBLISHED_JWT_SECRETS][0], /published/],
    [
      "the old dev secret",
      "dev-only-secret-change-me-0123456789abcdef0123456789abcdef",
      /published/,
    ],
    [
      "31 bytes of hex",
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a",
      /entropy/,
    ],
    ["a password", "correct horse battery staple!", /entropy/],
    ["a repeated pattern", "ab".repeat(40), /entropy/],
  ])("refuses %s", (_, secret, reason) => {
    expect(jwtSecretProblem(secret)).toMatch(reason);
  });

  it("gives a different secret each time", () => {
    expect(randomJwtSecret()).not.toBe(randomJwtSecret());
    expect(randomJwtSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
