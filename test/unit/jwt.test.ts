import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../src/platform/errors/api-error";
import { newObjectId } from "../../src/platform/util/ids";
import { issueToken, verifyToken } from "../../src/surfaces/training-api/jwt";

const SECRET = "unit-test-secret-0123456789abcdef0123456789abcdef";
const OTHER_SECRET = "another-secret-0123456789abcdef0123456789abcdef";
/**
 * A subject of its own session, so each test's token is one no other test has verified: the
 * cache of verified tokens lives as long as the isolate, across the tests of this file.
 */
const newSubject = () => ({
  userId: "65b1f0a2c3d4e5f6a7b8c9d0",
  organizationId: "65a0e0e0e0e0e0e0e0e0e0e0",
  role: "manager" as const,
  sessionId: newObjectId(),
  tokenVersion: 1,
});
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "accepted",
    (error: unknown) => (error instanceof ApiError ? error.code : String(error)),
  );

describe("verifyToken's cache of verified tokens", () => {
  afterEach(() => vi.restoreAllMocks());

  it("checks a token's signature once per isolate, then only its times", async () => {
    const { token, claims } = await issueToken(SECRET, newSubject(), 900, T0);
    const hmac = vi.spyOn(crypto.subtle, "verify");
    expect(await verifyToken(token, SECRET, T0)).toEqual(claims);
    expect(await verifyToken(token, SECRET, T0 + 1_000)).toEqual(claims);
    expect(await verifyToken(token, SECRET, T0 + 2_000)).toEqual(claims);
    expect(hmac).toHaveBeenCalledTimes(1);
  });

  it("still expires a cached token at exp", async () => {
    const { token, claims } = await issueToken(SECRET, newSubject(), 900, T0);
    expect(await verifyToken(token, SECRET, T0)).toEqual(claims);
    expect(await codeOf(verifyToken(token, SECRET, claims.exp * 1000))).toBe("token_expired");
    expect(await codeOf(verifyToken(token, SECRET, (claims.exp + 3600) * 1000))).toBe(
      "token_expired",
    );
  });

  it("does not accept under one secret a token verified under another", async () => {
    const { token } = await issueToken(SECRET, newSubject(), 900, T0);
    expect(await codeOf(verifyToken(token, SECRET, T0))).toBe("accepted");
    expect(await codeOf(verifyToken(token, OTHER_SECRET, T0))).toBe("invalid_token");
  });

  it("never caches a refusal or lends a cached token's claims to a tampered copy", async () => {
    const { token } = await issueToken(SECRET, newSubject(), 900, T0);
    expect(await codeOf(verifyToken(token, SECRET, T0))).toBe("accepted");
    const [header, payload, signature] = token.split(".");
    const forged = btoa(JSON.stringify({ ...JSON.parse(atob(payload as string)), role: "admin" }))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    const tampered = `${header}.${forged}.${signature}`;
    for (let i = 0; i < 2; i++) {
      expect(await codeOf(verifyToken(tampered, SECRET, T0))).toBe("invalid_token");
    }
  });

  it("refuses a token issued in the future, cached or not", async () => {
    const { token } = await issueToken(SECRET, newSubject(), 900, T0 + 3_600_000);
    expect(await codeOf(verifyToken(token, SECRET, T0))).toBe("invalid_token");
    expect(await codeOf(verifyToken(token, SECRET, T0 + 3_600_000))).toBe("accepted");
    expect(await codeOf(verifyToken(token, SECRET, T0))).toBe("invalid_token");
  });
});
