import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_BODY_BYTES } from "../../src/app";
import { trainingSnapshots } from "../../src/platform/db/schema";
import { json, request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";
import { hangingD1, sabotagedBatch } from "../helpers/d1";
import { testDb } from "../helpers/factories";
import { ACME_KEY, DEMO_PASSWORD, DOCS_CONVERSATION, JANE, SNAPSHOT } from "../helpers/seed";

type Body = Record<string, any>;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("security headers", () => {
  /** OWASP's REST set: what every JSON answer carries, exactly. */
  const API_SET = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "cross-origin-resource-policy": "same-origin",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=15552000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
  };
  /** What only an HTML document needs: on the pages, never on a JSON answer. */
  const DOCUMENT_ONLY = {
    "cross-origin-opener-policy": "same-origin",
    "origin-agent-cluster": "?1",
    "x-dns-prefetch-control": "off",
    "x-download-options": "noopen",
    "x-permitted-cross-domain-policies": "none",
    "x-xss-protection": "0",
  };
  const values = (response: Response, names: string[]) =>
    Object.fromEntries(names.map((name) => [name, response.headers.get(name)]));

  it("are OWASP's REST set on every JSON answer, successes and errors alike", async () => {
    const answers = {
      training: await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(await tokenFor())),
      conversationsError: await request("/v1/api/conversations/nope"),
      write: await request(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
        method: "POST",
        headers: { ...(apiKeyHeaders().headers as object), "content-type": "application/json" },
        body: JSON.stringify({ direction: "inbound", message: "headers" }),
      }),
      unknownRoute: await request("/nope"),
      openapi: await request("/openapi.json"),
    };
    for (const [name, response] of Object.entries(answers)) {
      expect(response.headers.get("content-type"), name).toMatch(/^application\/(problem\+)?json/);
      expect(values(response, Object.keys(API_SET)), name).toEqual(API_SET);
      const none = Object.fromEntries(Object.keys(DOCUMENT_ONLY).map((n) => [n, null]));
      expect(values(response, Object.keys(DOCUMENT_ONLY)), name).toEqual(none);
    }
    expect(answers.write.status).toBe(201);
  });

  it("are the whole set on the HTML pages, under each page's own policy", async () => {
    for (const path of ["/docs", "/review"]) {
      const response = await request(path);
      expect(response.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(values(response, Object.keys(DOCUMENT_ONLY)), path).toEqual(DOCUMENT_ONLY);
      const { "content-security-policy": _, ...others } = API_SET;
      expect(values(response, Object.keys(others)), path).toEqual(others);
      // The page's policy, not the JSON answers' `default-src 'none'`.
      expect(response.headers.get("content-security-policy"), path).toMatch(
        /^default-src 'self';.*frame-ancestors 'none'$/,
      );
    }
  });
});

describe("CORS, configured by CORS_ORIGINS", () => {
  const preflight = (origin: string, bindings: Partial<Env>) =>
    request(
      `/v1/api/conversations/${DOCS_CONVERSATION}`,
      {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "GET",
          "access-control-request-headers": "x-api-key, x-workspace-id",
        },
      },
      bindings,
    );

  it("is off by default: no CORS headers", async () => {
    const response = await request(`/v1/api/conversations/${DOCS_CONVERSATION}`, {
      headers: {
        ...(apiKeyHeaders().headers as Record<string, string>),
        origin: "https://evil.example",
      },
    });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers preflights and exposes the API's headers for allowed origins only", async () => {
    const bindings = { CORS_ORIGINS: "https://app.example.com, https://admin.example.com" };
    const allowed = await preflight("https://app.example.com", bindings);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("x-api-key");
    // A browser app may retry its POSTs safely (before: Idempotency-Key was not allowed).
    expect(allowed.headers.get("access-control-allow-headers")).toContain("idempotency-key");

    const actual = await request(
      `/v1/api/conversations/${DOCS_CONVERSATION}`,
      {
        headers: {
          ...(apiKeyHeaders().headers as Record<string, string>),
          origin: "https://admin.example.com",
        },
      },
      bindings,
    );
    expect(actual.headers.get("access-control-allow-origin")).toBe("https://admin.example.com");
    expect(actual.headers.get("access-control-expose-headers")).toContain("ETag");
    expect(actual.headers.get("access-control-expose-headers")).toContain("Idempotent-Replayed");

    const refused = await preflight("https://evil.example", bindings);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("request limits, in each surface's envelope", () => {
  it("413 for a body over the limit", async () => {
    const big = { email: "alice@example.com", password: "x".repeat(MAX_BODY_BYTES) };
    const training = await request("/api/auth/login", json(big));
    expect(training.status).toBe(413);
    expect(await training.json()).toMatchObject({ success: false, code: "payload_too_large" });

    const conversations = await request(
      `/v1/api/conversations/${DOCS_CONVERSATION}/message/675c8e368824aa5f130b94d3/action`,
      json(
        { metadata: { action: "Edit", editedMessage: "y".repeat(MAX_BODY_BYTES) } },
        apiKeyHeaders(),
      ),
    );
    expect(conversations.status).toBe(413);
    expect(((await conversations.json()) as Body).error.code).toBe("payload_too_large");
  });

  it("415 for a body that is not JSON on a JSON route", async () => {
    for (const contentType of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/xml",
    ]) {
      const response = await request("/api/training/snapshots", {
        method: "POST",
        headers: {
          ...(bearer(await tokenFor()).headers as Record<string, string>),
          "content-type": contentType,
        },
        body: JSON.stringify({ contactId: JANE }),
      });
      expect(response.status, contentType).toBe(415);
      expect(await response.json()).toMatchObject({
        success: false,
        code: "unsupported_media_type",
      });
    }
  });

  it("400 for deeply nested or oversized fields, never a 500", async () => {
    const deep = `{"metadata":${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    const nested = await request(
      `/v1/api/conversations/${DOCS_CONVERSATION}/message/675c8e368824aa5f130b94d3/action`,
      {
        method: "POST",
        headers: {
          ...(apiKeyHeaders().headers as Record<string, string>),
          "content-type": "application/json",
        },
        body: deep,
      },
    );
    expect(nested.status).toBe(400);

    const deepNotes = await request(
      "/api/training/snapshots",
      json(
        { contactId: JANE, notes: JSON.parse(`${"[".repeat(5000)}${"]".repeat(5000)}`) },
        bearer(await tokenFor()),
      ),
    );
    expect(deepNotes.status).toBe(400);
    expect(((await deepNotes.json()) as Body).details[0]).toMatchObject({
      field: "body.notes",
      rule: "type",
    });

    const wideTags = await request(
      "/api/training/snapshots",
      json(
        { contactId: JANE, tags: Array.from({ length: 5000 }, (_, i) => `t${i}`) },
        bearer(await tokenFor()),
      ),
    );
    expect(wideTags.status).toBe(400);
  });

  it("431 for an over-long header, before anything else", async () => {
    const training = await request(`/api/training/snapshots/${SNAPSHOT}`, {
      headers: { authorization: `Bearer ${"a".repeat(9000)}` },
    });
    expect(training.status).toBe(431);
    expect(await training.json()).toMatchObject({ success: false, code: "headers_too_large" });
    const conversations = await request(`/v1/api/conversations/${DOCS_CONVERSATION}`, {
      headers: {
        "x-api-key": ACME_KEY,
        "x-workspace-id": "65a0e0e0e0e0e0e0e0e0e0e0",
        "x-padding": "p".repeat(9000),
      },
    });
    expect(conversations.status).toBe(431);
    expect(((await conversations.json()) as Body).error.code).toBe("headers_too_large");
  });
});

describe("faults", () => {
  it("a D1 call that hangs is abandoned: 503 with Retry-After", async () => {
    const response = await request(
      `/api/training/snapshots/${SNAPSHOT}`,
      bearer(await tokenFor()),
      {
        DB: hangingD1(),
        D1_TIMEOUT_MS: "50",
      },
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await response.json()).toMatchObject({ success: false, code: "service_unavailable" });
  });

  it("a batch that fails midway (a deterministic runtime error) is 500, not retryable, and writes nothing", async () => {
    const before = (await testDb().select().from(trainingSnapshots)).length;
    const broken = new Proxy(env.DB, {
      get(real, property) {
        if (property === "withSession") {
          return (constraint?: string) => {
            const session = real.withSession(constraint);
            return new Proxy(session, {
              get(inner, p) {
                if (p === "batch") {
                  return (statements: D1PreparedStatement[]) =>
                    statements.length > 3
                      ? inner.batch([
                          ...statements.slice(0, 2),
                          inner.prepare("select abs(-9223372036854775808)"),
                          ...statements.slice(2),
                        ])
                      : inner.batch(statements);
                }
                const value = Reflect.get(inner, p);
                return typeof value === "function" ? value.bind(inner) : value;
              },
            });
          };
        }
        const value = Reflect.get(real, property);
        return typeof value === "function" ? value.bind(real) : value;
      },
    });
    const response = await request(
      "/api/training/snapshots",
      json({ contactId: JANE, tags: ["fault"] }, bearer(await tokenFor())),
      { DB: broken },
    );
    // Integer overflow fails the same way on every retry: a 500, without Retry-After.
    expect(response.status).toBe(500);
    expect(response.headers.get("retry-after")).toBeNull();
    expect((await testDb().select().from(trainingSnapshots)).length).toBe(before);
    const next = await request(
      "/api/training/snapshots",
      json({ contactId: JANE }, bearer(await tokenFor())),
    );
    expect(next.status).toBe(201);
  });

  it("a constraint broken mid-batch is a 409 and writes nothing", async () => {
    const before = (await testDb().select().from(trainingSnapshots)).length;
    const response = await request(
      "/api/training/snapshots",
      json({ contactId: JANE }, bearer(await tokenFor())),
      { DB: sabotagedBatch(env.DB, { batch: 2, statement: 1 }) },
    );
    expect(response.status).toBe(409);
    expect((await testDb().select().from(trainingSnapshots)).length).toBe(before);
  });
});

describe("a path whose last segment is a literal *", () => {
  it("is one request: the error's requestId is the x-request-id header (Hono runs its handlers twice)", async () => {
    for (const path of ["/*", "/api/training/snapshots/*", "/v1/api/conversations/*"]) {
      const response = await request(path);
      const body = (await response.json()) as {
        requestId?: string;
        error?: { requestId?: string };
      };
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      const requestId = body.requestId ?? body.error?.requestId;
      expect(requestId, path).toBe(response.headers.get("x-request-id"));
    }
  });
});

describe("structured request logs", () => {
  it("at the default level (warn), logs failures, not successful reads or writes", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "info").mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
    const warn = { LOG_LEVEL: "warn" };
    const token = await tokenFor();
    const read = await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(token), warn);
    expect(read.status).toBe(200);
    expect(lines).toHaveLength(0);
    const missing = await request(
      "/api/training/snapshots/ffffffffffffffffffffffff",
      bearer(token),
      warn,
    );
    expect(missing.status).toBe(404);
    const created = await request(
      "/api/training/snapshots",
      json({ contactId: JANE, notes: "logged" }, bearer(token)),
      warn,
    );
    expect(created.status).toBe(201);
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { level: "info", method: "GET", route: "/api/training/snapshots/:id", status: 404 },
    ]);
  });

  it("writes one JSON line per request, and never a secret or a message body", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    };
    vi.spyOn(console, "log").mockImplementation(capture);
    vi.spyOn(console, "info").mockImplementation(capture);
    vi.spyOn(console, "error").mockImplementation(capture);
    vi.spyOn(console, "warn").mockImplementation(capture);
    const logging = { LOG_LEVEL: "info" };

    const secretNote = "the customer's card ends in 4242";
    const login = await request(
      "/api/auth/login",
      json({ email: "alice@example.com", password: DEMO_PASSWORD }),
      logging,
    );
    const { data } = (await login.json()) as { data: { token: string } };
    await request(
      "/api/auth/login",
      json({ email: "alice@example.com", password: "hunter2-wrong" }),
      logging,
    );
    await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(data.token), logging);
    await request(
      "/api/training/snapshots",
      json({ contactId: JANE, notes: secretNote }, bearer(data.token)),
      logging,
    );
    await request(`/v1/api/conversations/${DOCS_CONVERSATION}`, apiKeyHeaders(), logging);
    await request(
      `/v1/api/conversations/${DOCS_CONVERSATION}`,
      apiKeyHeaders("dev_acme_ffffffffffffffffffffffffffffffff"),
      logging,
    );
    await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(data.token), {
      ...logging,
      DB: hangingD1(),
      D1_TIMEOUT_MS: "20",
    });

    const requestLines = lines.filter((line) => line.includes('"level":"info"'));
    expect(requestLines).toHaveLength(7);
    const first = JSON.parse(requestLines[0] as string);
    expect(Object.keys(first).sort()).toEqual(
      [
        "d1RoundTrips",
        "durationMs",
        "level",
        "method",
        "organizationId",
        "requestId",
        "route",
        "status",
      ].sort(),
    );
    const snapshotLine = JSON.parse(requestLines[2] as string);
    expect(snapshotLine).toMatchObject({
      method: "GET",
      route: "/api/training/snapshots/:id",
      status: 200,
      d1RoundTrips: 1,
      organizationId: "65a0e0e0e0e0e0e0e0e0e0e0",
    });
    expect(typeof snapshotLine.durationMs).toBe("number");

    const everything = lines.join("\n");
    for (const secret of [
      DEMO_PASSWORD,
      "hunter2-wrong",
      data.token,
      data.token.split(".")[2],
      ACME_KEY,
      "dev_acme_ffffffffffffffffffffffffffffffff",
      secretNote,
      "Great handling of objection",
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});
