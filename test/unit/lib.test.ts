import { describe, expect, it } from "vitest";
import { apiKeyCacheTtlMs, jwtTtlSeconds, logsRequest } from "../../src/platform/config";
import { classifyDatabaseFailure } from "../../src/platform/errors/database-error";
import { clientKey } from "../../src/platform/http/client-address";
import { createRouteTable } from "../../src/platform/http/route-table";
import { serverTimingHeader } from "../../src/platform/http/server-timing";
import {
  estimatedSecretBits,
  jwtSecretProblem,
  PUBLISHED_JWT_SECRETS,
  randomJwtSecret,
} from "../../src/platform/secrets";
import { newObjectId, OBJECT_ID_PATTERN, VENDOR_ID_PATTERN } from "../../src/platform/util/ids";
import { toIso } from "../../src/platform/util/time";
import { TtlCache } from "../../src/platform/util/ttl-cache";
import {
  hashPassword,
  PBKDF2_ITERATIONS,
  pbkdf2Work,
  verifyPassword,
} from "../../src/surfaces/training/password";

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

describe("classifyDatabaseFailure", () => {
  it.each([
    ["D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT", "constraint"],
    ["D1_ERROR: no such table: users: SQLITE_ERROR", "query"],
    ["D1_TYPE_ERROR: Type 'object' not supported for value", "query"],
    ["D1_ERROR: Network connection lost.", "unavailable"],
    ["D1 DB is overloaded. Too many requests queued.", "unavailable"],
    ["D1_ERROR: storage operation exceeded timeout which caused object to be reset", "unavailable"],
    ["D1_ERROR: Durable Object reset because its code was updated.", "unavailable"],
    ["D1 did not answer within 10000 ms", "unavailable"],
    ["D1_ERROR: database is locked: SQLITE_BUSY", "unavailable"],
    // Deterministic: the same statement fails the same way on every retry.
    ["D1_ERROR: LIKE or GLOB pattern too complex: SQLITE_ERROR", "query"],
    ["D1_ERROR: too many SQL variables at offset 412: SQLITE_ERROR", "query"],
    ["D1_ERROR: string or blob too big: SQLITE_TOOBIG", "query"],
    ['D1_ERROR: fts5: syntax error near ""', "query"],
    ["something D1 never said before", "query"],
  ])("%s → %s", (message, kind) => {
    expect(classifyDatabaseFailure(message)).toBe(kind);
  });
});

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

  it("logs every request at info, none at error, and at the default (warn) writes, answers ≥ 400 and slow requests", () => {
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
      cases.map(([method, status, ms]) => logsRequest(env(vars), method, status, ms));
    expect(logged({ LOG_LEVEL: "info" })).toEqual(cases.map(() => true));
    expect(logged({ LOG_LEVEL: "error" })).toEqual(cases.map(() => false));
    const warn = [false, false, false, true, true, true, true, true, true];
    expect(logged({ LOG_LEVEL: "warn" })).toEqual(warn);
    expect(logged({})).toEqual(warn);
  });
});

describe("serverTimingHeader", () => {
  it("lists one d1 entry per round trip, then the total", () => {
    expect(serverTimingHeader([1.234, 0.5], 7.891)).toBe("d1;dur=1.23, d1;dur=0.5, total;dur=7.89");
    expect(serverTimingHeader([], 2)).toBe("total;dur=2");
  });
});

describe("route table", () => {
  const table = createRouteTable([
    { method: "ALL", path: "*" },
    { method: "GET", path: "/api/training/snapshots/:id" },
    { method: "PATCH", path: "/api/training/snapshots/:id" },
    { method: "POST", path: "/api/auth/login" },
  ]);

  it("lists the methods a path allows, HEAD with GET", () => {
    expect(table.match("DELETE", "/api/training/snapshots/abc").allowed.sort()).toEqual([
      "GET",
      "HEAD",
      "PATCH",
    ]);
    expect(table.match("GET", "/api/auth/login").allowed).toEqual(["POST"]);
  });

  it("finds nothing for an unknown path", () => {
    expect(table.match("GET", "/api/training/nope/abc")).toEqual({ allowed: [] });
  });

  it("names an empty parameter for the method that has the route", () => {
    expect(table.match("GET", "/api/training/snapshots/")).toEqual({
      allowed: [],
      emptyParam: "id",
    });
    expect(table.match("POST", "/api/training/snapshots/")).toEqual({ allowed: [] });
  });
});

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

describe("clientKey", () => {
  it.each([
    [undefined, "unknown"],
    ["", "unknown"],
    ["203.0.113.7", "203.0.113.7"],
    ["2001:db8:aa:1::1", "2001:db8:aa:1::/64"],
    ["2001:0DB8:00aa:0001:ffff:0:0:9", "2001:db8:aa:1::/64"],
    ["2001:db8:aa:1:1:2:3:4", "2001:db8:aa:1::/64"],
    ["2001:db8::", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::ffff:192.0.2.33", "192.0.2.33"],
    ["::ffff:c000:221", "192.0.2.33"],
    ["999.1.1.1", "unparsed:999.1.1.1"],
    ["1:2:3:4:5:6:7:8:9", "unparsed:1:2:3:4:5:6:7:8:9"],
    ["1::2::3", "unparsed:1::2::3"],
  ])("%j → %s", (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
