import { env } from "cloudflare:workers";
import { eq, inArray, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { loginFailures } from "../../src/platform/db/schema";
import { sha256Hex } from "../../src/platform/util/encoding";
import { json, request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";
import { countingD1, fakeLimiter } from "../helpers/d1";
import { insertApiKey, insertUserWithPassword, testDb } from "../helpers/factories";
import { ACME, ACME_KEY, DEMO_PASSWORD, DOCS_CONVERSATION, SNAPSHOT } from "../helpers/seed";

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

describe("POST /api/auth/login: failed logins per email and per client address, in D1", () => {
  const login = (email: string, password: string, ip: string, limit = "2") =>
    request("/api/auth/login", json({ email, password }, { headers: { "cf-connecting-ip": ip } }), {
      LOGIN_FAILURE_LIMIT: limit,
    });
  /** The failure windows of these throttling keys (`email:…`, `ip:…`). */
  const windowsOf = async (...keys: string[]) =>
    testDb()
      .select()
      .from(loginFailures)
      .where(inArray(loginFailures.keyHash, await Promise.all(keys.map(sha256Hex))));
  /** A user of its own to log in as: a lockout of a shared one would refuse other tests' logins. */
  const newUser = async () => (await insertUserWithPassword(DEMO_PASSWORD)).email;

  it("counts only failures, then refuses the email before any password work, even the right one", async () => {
    const [email, other] = [await newUser(), await newUser()];
    const ip = "203.0.113.10";
    const keys = [`email:${email}`, `ip:${ip}`];
    expect((await login(email, DEMO_PASSWORD, ip)).status).toBe(200);
    expect(await windowsOf(...keys)).toEqual([]);
    const first = await login(email, "wrong-1", ip);
    expect(first.status).toBe(401);
    expect(first.headers.get("ratelimit-remaining")).toBe("1");
    expect((await login(email, "wrong-2", ip)).status).toBe(401);
    // One window for the email, one for the address, each at 2.
    expect((await windowsOf(...keys)).map((w) => w.failures)).toEqual([2, 2]);
    const third = await login(email, "wrong-3", ip);
    expect(third.status).toBe(429);
    expect(((await third.json()) as Body).code).toBe("rate_limited");
    // The right password, from another address: still refused while the email's window runs.
    const blocked = await login(email, DEMO_PASSWORD, "198.51.100.7");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(blocked.headers.get("ratelimit-remaining")).toBe("0");
    expect((await login(other, DEMO_PASSWORD, "198.51.100.7")).status).toBe(200);
  });

  it("refuses a client address that keeps failing across many emails", async () => {
    const ip = "203.0.113.99";
    const statuses: number[] = [];
    for (const name of ["a", "b", "c", "d"]) {
      statuses.push((await login(`${name}-spray@example.com`, "guess", ip)).status);
    }
    expect(statuses).toEqual([401, 401, 429, 429]);
    const email = await newUser();
    expect((await login(email, DEMO_PASSWORD, ip)).status).toBe(429);
    expect((await login(email, DEMO_PASSWORD, "203.0.113.100")).status).toBe(200);
  });

  it("counts an IPv6 client per /64", async () => {
    const email = await newUser();
    expect((await login("v6-a@example.com", "guess", "2001:db8:aa:1::1")).status).toBe(401);
    expect((await login("v6-b@example.com", "guess", "2001:0db8:00aa:0001:ffff::9")).status).toBe(
      401,
    );
    // A third address of the same /64 is refused; the next /64 is not.
    expect((await login(email, DEMO_PASSWORD, "2001:db8:aa:1:1:2:3:4")).status).toBe(429);
    expect((await login(email, DEMO_PASSWORD, "2001:db8:aa:2::1")).status).toBe(200);
  });

  it("a locked-out email answers the same whether or not it exists", async () => {
    const ip = () => `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const answers: string[] = [];
    for (const email of [await newUser(), "nobody-here@example.com"]) {
      await login(email, "wrong", ip());
      await login(email, "wrong", ip());
      const refused = await login(email, "wrong", ip());
      const body = (await refused.json()) as Body;
      answers.push(`${refused.status} ${body.code} ${body.error.replace(/\d+ s$/, "")}`);
    }
    expect(answers[0]).toBe("429 rate_limited Too many failed logins; retry in ");
    expect(answers[1]).toBe(answers[0]);
  });

  it("the count lives in D1, not in the isolate: a window written there is honoured", async () => {
    const email = await newUser();
    // As another isolate (or this one before a restart) would have left it.
    await testDb()
      .insert(loginFailures)
      .values({
        keyHash: await sha256Hex(`email:${email}`),
        windowStart: Date.now(),
        failures: 2,
      });
    expect((await login(email, DEMO_PASSWORD, "198.51.100.50")).status).toBe(429);
    // An expired window is not: it starts again at the next failure.
    await testDb()
      .update(loginFailures)
      .set({ windowStart: Date.now() - 61_000 })
      .where(eq(loginFailures.keyHash, await sha256Hex(`email:${email}`)));
    expect((await login(email, DEMO_PASSWORD, "198.51.100.50")).status).toBe(200);
  });

  it("prunes expired windows as failures come in", async () => {
    const stale = Array.from({ length: 30 }, (_, i) => ({
      keyHash: `stale-${i}`,
      windowStart: Date.now() - 3_600_000,
      failures: 1,
    }));
    await testDb().insert(loginFailures).values(stale);
    await login("prune@example.com", "wrong", "198.51.100.60");
    const left = await testDb()
      .select()
      .from(loginFailures)
      .where(like(loginFailures.keyHash, "stale-%"));
    expect(left).toEqual([]);
  });
});

describe("Conversations API: unknown API keys", () => {
  const path = `/v1/api/conversations/${DOCS_CONVERSATION}`;
  const unknownKey = () => `cvk_${crypto.randomUUID().replaceAll("-", "")}`;
  const withIp = (key: string, ip: string): RequestInit => ({
    headers: { "x-api-key": key, "x-workspace-id": ACME, "cf-connecting-ip": ip },
  });

  it("a repeated unknown key makes no D1 round trip", async () => {
    // The isolate has met the workspace, and knows its shard.
    await request(path, withIp(ACME_KEY, "198.51.100.2"));
    const { db, counter } = countingD1(env.DB);
    const key = unknownKey();
    const first = await request(path, withIp(key, "198.51.100.1"), { DB: db });
    expect(first.status).toBe(401);
    expect(counter.roundTrips).toBe(1);
    for (let i = 0; i < 3; i++) {
      const again = await request(path, withIp(key, "198.51.100.1"), { DB: db });
      expect(again.status).toBe(401);
      expect(((await again.json()) as Body).error.code).toBe("invalid_api_key");
    }
    expect(counter.roundTrips).toBe(1);
  });

  it("throttles failed key checks per client address: 429 with reset_at, then no D1 at all", async () => {
    // A key of its own, verified once before the address is throttled.
    const { key: validKey } = await insertApiKey();
    expect((await request(path, withIp(validKey, "198.51.100.9"))).status).toBe(200);
    const limiter = fakeLimiter(3);
    const { db, counter } = countingD1(env.DB);
    const bindings = {
      DB: db,
      KEY_FAILURE_LIMITER: limiter as unknown as RateLimit,
      KEY_FAILURE_LIMIT: "3",
    };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await request(path, withIp(unknownKey(), "198.51.100.2"), bindings)).status);
    }
    const refused = await request(path, withIp(unknownKey(), "198.51.100.2"), bindings);
    expect([...statuses, refused.status]).toEqual([401, 401, 401, 429]);
    const body = (await refused.json()) as Body;
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "requestId", "reset_at"]);
    expect(body.error.code).toBe("rate_limited");
    expect(Date.parse(body.error.reset_at)).toBeGreaterThan(Date.now());
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("ratelimit-limit")).toBe("3");
    const queries = counter.roundTrips;
    // Refused before any query from now on, whatever key it tries…
    expect((await request(path, withIp(unknownKey(), "198.51.100.2"), bindings)).status).toBe(429);
    expect(counter.roundTrips).toBe(queries);
    // …while a valid key already verified, and other clients, go on.
    expect((await request(path, withIp(validKey, "198.51.100.2"), bindings)).status).toBe(200);
    expect((await request(path, withIp(unknownKey(), "198.51.100.3"), bindings)).status).toBe(401);
    expect(limiter.calls.every((k) => k.startsWith("key-failures:198.51.100."))).toBe(true);
  });
});

describe("the real Rate Limiting binding", () => {
  it("is configured and answers", async () => {
    expect(await env.API_RATE_LIMITER.limit({ key: "probe" })).toEqual({ success: true });
    expect(await env.KEY_FAILURE_LIMITER.limit({ key: "probe" })).toEqual({ success: true });
  });
});
