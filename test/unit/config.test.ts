import { describe, expect, it } from "vitest";
import { apiKeyCacheTtlMs, jwtTtlSeconds, logsRequest } from "../../src/platform/config";

describe("config", () => {
  const env = (vars: Partial<Env>) => ({ JWT_SECRET: "x", ...vars }) as Env;

  it("caps the API key cache lifetime at 60 s and accepts 0 (off)", () => {
    expect(apiKeyCacheTtlMs(env({ API_KEY_CACHE_TTL_SECONDS: "60" }))).toBe(60_000);
    expect(apiKeyCacheTtlMs(env({ API_KEY_CACHE_TTL_SECONDS: "3600" }))).toBe(60_000);
    expect(apiKeyCacheTtlMs(env({ API_KEY_CACHE_TTL_SECONDS: "0" }))).toBe(0);
    expect(apiKeyCacheTtlMs(env({ API_KEY_CACHE_TTL_SECONDS: "soon" }))).toBe(60_000);
  });

  it("falls back to 15 minutes for a missing or invalid access token lifetime", () => {
    expect(jwtTtlSeconds(env({ JWT_TTL_SECONDS: "-5" }))).toBe(900);
    expect(jwtTtlSeconds(env({ JWT_TTL_SECONDS: "" }))).toBe(900);
    expect(jwtTtlSeconds(env({ JWT_TTL_SECONDS: "3600" }))).toBe(3600);
  });

  it("logs every request at info, none at error, and at the default (warn) answers ≥ 400 and slow requests", () => {
    const cases: [string, number, number][] = [
      ["GET", 200, 5],
      ["GET", 304, 5],
      ["HEAD", 200, 5],
      ["GET", 404, 5],
      ["GET", 503, 5],
      ["GET", 200, 1000],
      ["POST", 201, 5],
      ["DELETE", 200, 5],
      ["OPTIONS", 204, 5],
    ];
    const logged = (vars: Partial<Env>) =>
      cases.map(([, status, ms]) => logsRequest(env(vars), status, ms));
    expect(logged({ LOG_LEVEL: "info" })).toEqual(cases.map(() => true));
    expect(logged({ LOG_LEVEL: "error" })).toEqual(cases.map(() => false));
    // Before, a successful write was logged at warn as well (the POST and the DELETE).
    const warn = [false, false, false, true, true, true, false, false, false];
    expect(logged({ LOG_LEVEL: "warn" })).toEqual(warn);
    expect(logged({})).toEqual(warn);
  });
});
