import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { json, request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";
import { fakeLimiter } from "../helpers/d1";
import { insertApiKey } from "../helpers/factories";
import { DEMO_PASSWORD, DOCS_CONVERSATION, SNAPSHOT } from "../helpers/seed";

type Body = Record<string, any>;

function expectRateHeaders(response: Response, limit: string, remaining: string) {
  expect(response.headers.get("ratelimit-limit")).toBe(limit);
  expect(response.headers.get("ratelimit-remaining")).toBe(remaining);
  const reset = Number(response.headers.get("ratelimit-reset"));
  expect(reset).toBeGreaterThanOrEqual(1);
  expect(reset).toBeLessThanOrEqual(60);
}

describe("Conversations API: per API key", () => {
  it("429 with reset_at, Retry-After and RateLimit-* once the key's window is used up", async () => {
    const limiter = fakeLimiter(3);
    const { key } = await insertApiKey();
    const bindings = { API_RATE_LIMITER: limiter as unknown as RateLimit, API_RATE_LIMIT: "3" };
    const path = `/v1/api/conversations/${DOCS_CONVERSATION}`;
    const ok: Response[] = [];
    for (let i = 0; i < 3; i++) ok.push(await request(path, apiKeyHeaders(key), bindings));
    expect(ok.map((r) => r.status)).toEqual([200, 200, 200]);
    expectRateHeaders(ok[0] as Response, "3", "2");
    expectRateHeaders(ok[2] as Response, "3", "0");

    const refused = await request(path, apiKeyHeaders(key), bindings);
    const body = (await refused.json()) as Body;
    expect(refused.status).toBe(429);
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "requestId", "reset_at"]);
    expect(body.error.code).toBe("rate_limited");
    expect(Date.parse(body.error.reset_at)).toBeGreaterThan(Date.now() - 1000);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expectRateHeaders(refused, "3", "0");

    // Another key has its own window.
    expect((await request(path, apiKeyHeaders(), bindings)).status).toBe(200);
    expect(limiter.calls.filter((k) => k.startsWith("key:"))).toHaveLength(5);
  });
});

describe("Training API: per token subject", () => {
  it("429 in the Training envelope for one user, while another user goes on", async () => {
    const limiter = fakeLimiter(2);
    const bindings = { API_RATE_LIMITER: limiter as unknown as RateLimit, API_RATE_LIMIT: "2" };
    const alice = bearer(await tokenFor());
    const path = `/api/training/snapshots/${SNAPSHOT}`;
    await request(path, alice, bindings);
    await request(path, alice, bindings);
    const refused = await request(path, alice, bindings);
    const body = (await refused.json()) as Body;
    expect(refused.status).toBe(429);
    expect(body).toMatchObject({ success: false, code: "rate_limited" });
    expect(refused.headers.get("retry-after")).not.toBeNull();
    const other = bearer(await tokenFor({ userId: "65b1f0a2c3d4e5f6a7b8c9d1", role: "admin" }));
    expect((await request(path, other, bindings)).status).toBe(200);
    expect(new Set(limiter.calls)).toEqual(
      new Set(["user:65b1f0a2c3d4e5f6a7b8c9d0", "user:65b1f0a2c3d4e5f6a7b8c9d1"]),
    );
  });
});

describe("POST /api/auth/login: failed logins per email and per client IP", () => {
  const login = (email: string, password: string, ip: string, limiter: unknown) =>
    request("/api/auth/login", json({ email, password }, { headers: { "cf-connecting-ip": ip } }), {
      LOGIN_RATE_LIMITER: limiter as RateLimit,
      LOGIN_FAILURE_LIMIT: "2",
    });

  it("counts only failures, then refuses the email even with the right password", async () => {
    const limiter = fakeLimiter(2);
    const ip = "203.0.113.10";
    expect((await login("alice@example.com", DEMO_PASSWORD, ip, limiter)).status).toBe(200);
    expect(limiter.calls).toEqual([]);
    expect((await login("alice@example.com", "wrong-1", ip, limiter)).status).toBe(401);
    expect((await login("alice@example.com", "wrong-2", ip, limiter)).status).toBe(401);
    const third = await login("alice@example.com", "wrong-3", ip, limiter);
    expect(third.status).toBe(429);
    expect(((await third.json()) as Body).code).toBe("rate_limited");
    const blocked = await login("alice@example.com", DEMO_PASSWORD, "198.51.100.7", limiter);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).not.toBeNull();
    expect((await login("admin@example.com", DEMO_PASSWORD, "198.51.100.7", limiter)).status).toBe(
      200,
    );
  });

  it("refuses a client IP that keeps failing across many emails", async () => {
    const limiter = fakeLimiter(2);
    const ip = "203.0.113.99";
    const statuses: number[] = [];
    for (const name of ["a", "b", "c", "d"]) {
      statuses.push((await login(`${name}-spray@example.com`, "guess", ip, limiter)).status);
    }
    expect(statuses).toEqual([401, 401, 429, 429]);
    expect((await login("agent@example.com", DEMO_PASSWORD, ip, limiter)).status).toBe(429);
    expect((await login("agent@example.com", DEMO_PASSWORD, "203.0.113.100", limiter)).status).toBe(
      200,
    );
  });
});

describe("the real Rate Limiting binding", () => {
  it("is configured and answers", async () => {
    expect(await env.API_RATE_LIMITER.limit({ key: "probe" })).toEqual({ success: true });
    expect(await env.LOGIN_RATE_LIMITER.limit({ key: "probe" })).toEqual({ success: true });
  });
});
