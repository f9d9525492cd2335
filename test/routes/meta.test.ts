import { afterEach, describe, expect, it, vi } from "vitest";
import { json, request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";
import { failingD1 } from "../helpers/d1";
import { DOCS_CONVERSATION, JANE, SNAPSHOT } from "../helpers/seed";

describe("GET /health", () => {
  it("reports ok after a D1 query", async () => {
    const response = await request("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toStrictEqual({ status: "ok", d1: "ok" });
    expect(response.headers.get("server-timing")).toMatch(/^d1;dur=[\d.]+, total;dur=[\d.]+$/);
  });

  it("503 with Retry-After when D1 fails", async () => {
    const response = await request("/health", {}, { DB: failingD1() });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await response.json()).toStrictEqual({ status: "unavailable", d1: "error" });
  });
});

describe("unknown routes and wrong methods", () => {
  it("404 in the Training envelope under /api", async () => {
    const response = await request("/api/training/nothing-here");
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(404);
    expect(body).toStrictEqual({
      success: false,
      error: "No route for GET /api/training/nothing-here",
      code: "route_not_found",
      requestId: response.headers.get("x-request-id"),
    });
  });

  it("404 in the Conversations envelope under /v1/api", async () => {
    const response = await request("/v1/api/nothing-here");
    const body = (await response.json()) as Record<string, any>;
    expect(response.status).toBe(404);
    expect(body).toStrictEqual({
      error: {
        code: "route_not_found",
        message: "No route for GET /v1/api/nothing-here",
        requestId: response.headers.get("x-request-id"),
      },
    });
  });

  it("404 in the Training shape anywhere else, and never HTML", async () => {
    for (const path of ["/", "/favicon.ico", "/v1", "/v1/apix"]) {
      const response = await request(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toMatchObject({ success: false, code: "route_not_found" });
    }
  });

  it("405 with Allow for a wrong method on a known path, in each surface's envelope", async () => {
    const training = await request(`/api/training/snapshots/${SNAPSHOT}`, { method: "PUT" });
    expect(training.status).toBe(405);
    expect(training.headers.get("allow")).toBe("GET, HEAD, PATCH, DELETE");
    expect(await training.json()).toMatchObject({ success: false, code: "method_not_allowed" });

    const conversations = await request(`/v1/api/conversations/${DOCS_CONVERSATION}`, {
      method: "DELETE",
    });
    expect(conversations.status).toBe(405);
    expect(conversations.headers.get("allow")).toBe("GET, HEAD");
    expect(((await conversations.json()) as any).error.code).toBe("method_not_allowed");
  });

  it("answers HEAD like GET, without a body", async () => {
    const response = await request(`/api/training/snapshots/${SNAPSHOT}`, {
      method: "HEAD",
      ...bearer(await tokenFor()),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });
});

describe("x-request-id", () => {
  it("is on every response, success and error alike, and matches the error body", async () => {
    const responses = [
      await request("/health"),
      await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(await tokenFor())),
      await request(`/api/training/snapshots/${SNAPSHOT}`),
      await request("/api/training/snapshots/nope", bearer(await tokenFor())),
      await request("/nope"),
      await request(`/v1/api/conversations/${DOCS_CONVERSATION}`, { method: "POST" }),
    ];
    const ids = responses.map((r) => r.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps a caller's own safe request id and replaces an unsafe one", async () => {
    const kept = await request("/health", { headers: { "x-request-id": "client-trace-0001" } });
    expect(kept.headers.get("x-request-id")).toBe("client-trace-0001");
    const replaced = await request("/health", {
      headers: { "x-request-id": "<script>alert(1)</script>" },
    });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("faults", () => {
  it("503 with Retry-After when D1 is unreachable, in each surface's envelope", async () => {
    const training = await request(
      `/api/training/snapshots/${SNAPSHOT}`,
      bearer(await tokenFor()),
      {
        DB: failingD1(),
      },
    );
    expect(training.status).toBe(503);
    expect(training.headers.get("retry-after")).toBe("1");
    expect(await training.json()).toMatchObject({ success: false, code: "service_unavailable" });

    const conversations = await request(
      `/v1/api/conversations/${DOCS_CONVERSATION}`,
      apiKeyHeaders(),
      {
        DB: failingD1("D1 DB is overloaded. Too many requests queued."),
        API_KEY_CACHE_TTL_SECONDS: "0",
      },
    );
    expect(conversations.status).toBe(503);
    expect(conversations.headers.get("retry-after")).toBe("1");
    expect(((await conversations.json()) as any).error.code).toBe("service_unavailable");
  });

  it("recovers on the next request once D1 is back", async () => {
    await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(await tokenFor()), {
      DB: failingD1(),
    });
    const response = await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(await tokenFor()));
    expect(response.status).toBe(200);
  });

  it("500 without SQL or stack for a query D1 cannot run", async () => {
    const response = await request(
      `/api/training/snapshots/${SNAPSHOT}`,
      bearer(await tokenFor()),
      {
        DB: failingD1("D1_ERROR: no such table: training_snapshots: SQLITE_ERROR"),
      },
    );
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toStrictEqual({
      success: false,
      error: "Internal server error",
      code: "internal_error",
      requestId: response.headers.get("x-request-id"),
    });
    expect(text).not.toMatch(/SQLITE|no such table|select|at \w+ \(/i);
  });

  afterEach(() => vi.restoreAllMocks());

  // A read, except for the broken constraint: only a write can break one (and only writes
  // document 409).
  type RequestOf = (token: string) => [path: string, init: RequestInit];
  const read: RequestOf = (token) => [`/api/training/snapshots/${SNAPSHOT}`, bearer(token)];
  const write: RequestOf = (token) => [
    `/api/contacts/${JANE}`,
    json({ lastName: "Doe" }, { method: "PATCH", ...bearer(token) }),
  ];

  it.each([
    // Transient: retrying later may work, so 503 + Retry-After.
    ["D1_ERROR: Network connection lost.", 503, "service_unavailable", "1", read],
    [
      "D1_ERROR: Durable Object reset because its code was updated.",
      503,
      "service_unavailable",
      "1",
      read,
    ],
    // A broken constraint: the client's change conflicts with the data.
    [
      "D1_ERROR: UNIQUE constraint failed: contacts.email: SQLITE_CONSTRAINT",
      409,
      "conflict",
      null,
      write,
    ],
    // Deterministic: the same request fails the same way forever, so no invitation to retry.
    ["D1_ERROR: LIKE or GLOB pattern too complex: SQLITE_ERROR", 500, "internal_error", null, read],
    ["D1_ERROR: a message D1 never sent before", 500, "internal_error", null, read],
  ])("D1 failure %j → %i", async (message, status, code, retryAfter, requestOf) => {
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => logged.push(String(line)));
    const response = await request(...requestOf(await tokenFor()), { DB: failingD1(message) });
    expect(response.status).toBe(status);
    expect(response.headers.get("retry-after")).toBe(retryAfter);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ success: false, code });
    expect(text).not.toContain("SQLITE");
    if (status >= 500) {
      // The log line keeps D1's own words, keyed by the request id the body carries.
      const line = logged
        .map((l) => JSON.parse(l))
        .find((l) => l.requestId === JSON.parse(text).requestId);
      expect(line?.error).toContain(message);
    }
  });

  it.each([
    ["unset", ""],
    ["the placeholder of .dev.vars.example", "replace-me-npm-run-dev-writes-a-random-secret-here"],
    [
      "the first release's published dev secret",
      "dev-only-secret-change-me-0123456789abcdef0123456789abcdef",
    ],
    ["shorter than 32 bytes of entropy", "0123456789abcdef0123456789abcdef"],
    ["a long pattern", "abababababababababababababababababababababababababababab"],
  ])(
    "503 and a log line naming the fix when JWT_SECRET is %s: nothing signed or verified",
    async (_, secret) => {
      const logged: string[] = [];
      vi.spyOn(console, "error").mockImplementation((line: unknown) => logged.push(String(line)));
      const verify = await request(
        `/api/training/snapshots/${SNAPSHOT}`,
        bearer(await tokenFor()),
        {
          JWT_SECRET: secret,
        },
      );
      const sign = await request(
        "/api/auth/login",
        json({ email: "alice@example.com", password: "demo-password-123" }),
        { JWT_SECRET: secret },
      );
      for (const response of [verify, sign]) {
        const body = (await response.json()) as Record<string, unknown>;
        expect(response.status).toBe(503);
        expect(body).toMatchObject({ success: false, code: "service_unavailable" });
        expect(JSON.stringify(body)).not.toContain("JWT_SECRET");
        expect(JSON.stringify(body)).not.toContain('token":');
      }
      expect(logged).toHaveLength(2);
      for (const line of logged)
        expect(JSON.parse(line).error).toMatch(/JWT_SECRET .*npm run secret:jwt/);
    },
  );
});
