import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { type Body, ISO, json, request, requestBody } from "../helpers/app";
import { newUserToken, tokenFor } from "../helpers/auth";
import { GLOBEX } from "../helpers/seed";
import { adminToken, createEndpoint } from "../helpers/webhooks";

const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

async function call(path: string, init: RequestInit = {}, token?: string) {
  const headers = {
    authorization: `Bearer ${token ?? (await adminToken())}`,
    ...(init.headers as Record<string, string>),
  };
  return requestBody(path, { ...init, headers });
}
const post = async (path: string, body: unknown, token?: string) => call(path, json(body), token);
const patch = async (path: string, body: unknown, token?: string) =>
  call(path, json(body, { method: "PATCH" }), token);

afterEach(async () => {
  await env.DB.prepare("delete from webhook_endpoints").run();
});

describe("POST /api/webhooks", () => {
  it("201: the endpoint field by field, its secret once, a Location", async () => {
    const { response, body } = await post("/api/webhooks", {
      url: "https://hooks.example.com/edge",
      events: ["conversation.created", "training.snapshot.deleted"],
      description: "CRM sync",
    });
    expect(response.status).toBe(201);
    expect(Object.keys(body.data).sort()).toEqual(
      [
        "_id",
        "createdAt",
        "description",
        "enabled",
        "events",
        "previousSecretExpiresAt",
        "secret",
        "updatedAt",
        "url",
      ].sort(),
    );
    expect(body).toMatchObject({
      success: true,
      data: {
        url: "https://hooks.example.com/edge",
        events: ["conversation.created", "training.snapshot.deleted"],
        description: "CRM sync",
        enabled: true,
        previousSecretExpiresAt: null,
      },
    });
    expect(body.data._id).toMatch(/^[0-9a-f]{24}$/);
    expect(body.data.secret).toMatch(SECRET);
    expect(body.data.createdAt).toMatch(ISO);
    expect(response.headers.get("location")).toBe(`/api/webhooks/${body.data._id}`);

    // Never shown again.
    const one = await call(`/api/webhooks/${body.data._id}`);
    expect(one.body.data).not.toHaveProperty("secret");
    const { secret: _, ...shown } = body.data;
    expect(one.body.data).toEqual(shown);
    const listed = await call("/api/webhooks");
    expect(JSON.stringify(listed.body)).not.toContain(body.data.secret);
  });

  it.each([
    ["http", "http://hooks.example.com/x"],
    ["loopback", "https://127.0.0.1/x"],
    ["localhost", "https://localhost:8787/x"],
    ["private", "https://10.1.2.3/x"],
    ["cloud metadata", "https://169.254.169.254/latest/meta-data"],
    ["decimal loopback", "https://2130706433/x"],
    ["IPv6 loopback", "https://[::1]/x"],
    ["IPv4-mapped private", "https://[::ffff:192.168.0.1]/x"],
    ["credentials", "https://user:pass@hooks.example.com/x"],
    ["internal name", "https://db.internal/x"],
    ["not a URL", "hooks.example.com"],
    ["javascript", "javascript:alert(1)"],
    ["localhost with trailing dots", "https://localhost../x"],
    ["loopback with trailing dots", "https://127.0.0.1../x"],
    ["metadata name with trailing dots", "https://metadata.google.internal../x"],
    ["IPv4-compatible loopback", "https://[::127.0.0.1]/x"],
    ["IPv4-translated loopback", "https://[::ffff:0:127.0.0.1]/x"],
    ["local-use NAT64", "https://[64:ff9b:1::a9fe:a9fe]/x"],
    ["6to4 of a private address", "https://[2002:c0a8:101::1]/x"],
    ["site-local", "https://[fec0::1]/x"],
    ["discard-only", "https://[100::1]/x"],
  ])("400 invalid_url for a URL that is not public https (%s): nothing written", async (_, url) => {
    const { response, body } = await post("/api/webhooks", {
      url,
      events: ["conversation.created"],
    });
    expect(response.status).toBe(400);
    expect(Object.keys(body).sort()).toEqual(["code", "details", "error", "requestId", "success"]);
    expect(body).toMatchObject({ success: false, code: "invalid_url" });
    expect(body.error).toMatch(/^Invalid request: body\.url /);
    expect(body.details).toEqual([
      { field: "body.url", rule: "public_url", message: expect.any(String) },
    ]);
    const count = await env.DB.prepare("select count(*) as n from webhook_endpoints").first<{
      n: number;
    }>();
    expect(count?.n).toBe(0);
  });

  it("accepts a loopback URL only where WEBHOOK_ALLOW_LOOPBACK is true (local development)", async () => {
    const token = await adminToken();
    const init = json(
      { url: "http://127.0.0.1:9999/hook", events: ["conversation.created"] },
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect((await request("/api/webhooks", init)).status).toBe(400);
    expect((await request("/api/webhooks", init, { WEBHOOK_ALLOW_LOOPBACK: "true" })).status).toBe(
      201,
    );
  });

  it.each([
    ["no events", { events: [] }, "body.events", "min_length"],
    ["an unknown event", { events: ["conversation.deleted"] }, "body.events[0]", "enum"],
    ["the test ping", { events: ["webhook.test"] }, "body.events[0]", "enum"],
    [
      "a repeated event",
      { events: ["conversation.created", "conversation.created"] },
      "body.events",
      "unique",
    ],
    [
      "an unknown field",
      { events: ["conversation.created"], secret: "mine" },
      "body.secret",
      "unknown_field",
    ],
    [
      "a long URL",
      { events: ["conversation.created"], url: `https://a.example/${"x".repeat(2048)}` },
      "body.url",
      "max_length",
    ],
  ])("400 for %s", async (_, extra, field, rule) => {
    const { response, body } = await post("/api/webhooks", {
      url: "https://hooks.example.com/edge",
      ...extra,
    });
    expect(response.status).toBe(400);
    expect(body.details).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it("the 2,048-character limit is on the URL as stored: percent-encoding counts", async () => {
    const base = "https://a.example/";
    const accented = `${base}${"é".repeat(2020 - base.length)}`; // 2,020 characters as sent
    expect(new URL(accented).href.length).toBeGreaterThan(12_000);
    const { response, body } = await post("/api/webhooks", {
      url: accented,
      events: ["conversation.created"],
    });
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ success: false, code: "validation_failed" });
    expect(body.details).toEqual([
      expect.objectContaining({ field: "body.url", rule: "max_length" }),
    ]);
    const count = await env.DB.prepare("select count(*) as n from webhook_endpoints").first<{
      n: number;
    }>();
    expect(count?.n).toBe(0);

    // At the limit as stored: accepted, and stored as sent.
    const atLimit = `${base}${"x".repeat(2048 - base.length)}`;
    const created = await post("/api/webhooks", { url: atLimit, events: ["conversation.created"] });
    expect(created.response.status).toBe(201);
    expect(created.body.data.url).toBe(atLimit);
    // 2,048 characters as sent, 2,050 once the space is encoded (%20): refused, on PATCH too.
    const { id } = await createEndpoint({ events: ["conversation.created"] });
    const spaced = `${base}a b${"x".repeat(2048 - base.length - 3)}`;
    expect(spaced).toHaveLength(2048);
    const grown = await patch(`/api/webhooks/${id}`, { url: spaced });
    expect(grown.response.status).toBe(400);
    expect(grown.body.details).toEqual([
      expect.objectContaining({ field: "body.url", rule: "max_length" }),
    ]);
  });

  it("admins only: a manager and an agent get 403, and nothing is written", async () => {
    for (const role of ["manager", "agent"] as const) {
      const token = await tokenFor({ role });
      const { response, body } = await post(
        "/api/webhooks",
        { url: "https://hooks.example.com/edge", events: ["conversation.created"] },
        token,
      );
      expect(response.status).toBe(403);
      expect(body.code).toBe("forbidden");
      expect((await call("/api/webhooks", {}, token)).response.status).toBe(403);
    }
  });

  it("at most 20 per organization: the 21st is 409", async () => {
    for (let i = 0; i < 20; i++) await createEndpoint({ events: ["conversation.created"] });
    const { response, body } = await post("/api/webhooks", {
      url: "https://hooks.example.com/edge",
      events: ["conversation.created"],
    });
    expect(response.status).toBe(409);
    expect(body.code).toBe("conflict");
  });
});

describe("GET, PATCH, DELETE /api/webhooks/{id}", () => {
  it("lists newest first with a cursor", async () => {
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push(await createEndpoint({ events: ["conversation.created"] }));
    const first = await call("/api/webhooks?limit=2");
    expect(first.body.data.map((w: Body) => w._id)).toEqual([made[2]?.id, made[1]?.id]);
    expect(first.body.pagination).toMatchObject({ hasMore: true, limit: 2 });
    const second = await call(`/api/webhooks?limit=2&cursor=${first.body.pagination.nextCursor}`);
    expect(second.body.data.map((w: Body) => w._id)).toEqual([made[0]?.id]);
    expect(second.body.pagination).toEqual({ nextCursor: null, hasMore: false, limit: 2 });
  });

  it("PATCH changes what it is given and moves updatedAt; the URL rule holds", async () => {
    const { id, body: created } = await createEndpoint({ events: ["conversation.created"] });
    const changed = await patch(`/api/webhooks/${id}`, {
      events: ["training.snapshot.created"],
      enabled: false,
      description: null,
    });
    expect(changed.response.status).toBe(200);
    expect(changed.body.data).toMatchObject({
      _id: id,
      url: "https://hooks.example.com/edge",
      events: ["training.snapshot.created"],
      enabled: false,
      description: null,
    });
    expect(Date.parse(changed.body.data.updatedAt)).toBeGreaterThan(
      Date.parse(created.data.updatedAt),
    );
    // A blank description is none (before: stored as "").
    const blank = await patch(`/api/webhooks/${id}`, { description: "   " });
    expect(blank.body.data.description).toBeNull();
    const refused = await patch(`/api/webhooks/${id}`, { url: "https://192.168.1.1/x" });
    expect(refused.response.status).toBe(400);
    expect(refused.body.code).toBe("invalid_url");
    expect((await call(`/api/webhooks/${id}`)).body.data.url).toBe(
      "https://hooks.example.com/edge",
    );
    const empty = await patch(`/api/webhooks/${id}`, {});
    expect(empty.response.status).toBe(400);
    expect(empty.body.details).toEqual([expect.objectContaining({ rule: "not_empty" })]);
  });

  it("another organization's endpoint is 404 everywhere, and stays untouched", async () => {
    const { id } = await createEndpoint({ events: ["conversation.created"] });
    // An admin of Globex may manage Globex's webhooks only.
    const { token: globex } = await newUserToken("admin", GLOBEX);
    for (const [path, init] of [
      [`/api/webhooks/${id}`, {}],
      [`/api/webhooks/${id}`, json({ enabled: false }, { method: "PATCH" })],
      [`/api/webhooks/${id}`, { method: "DELETE" }],
      [`/api/webhooks/${id}/test`, { method: "POST" }],
      [`/api/webhooks/${id}/rotate-secret`, { method: "POST" }],
      [`/api/webhooks/${id}/deliveries`, {}],
    ] as [string, RequestInit][]) {
      const { response, body } = await call(path, init, globex);
      expect(response.status, `${init.method ?? "GET"} ${path}`).toBe(404);
      expect(body.code).toBe("not_found");
    }
    expect((await call(`/api/webhooks/${id}`)).body.data.enabled).toBe(true);
  });

  it("DELETE is 204, then 404", async () => {
    const { id } = await createEndpoint({ events: ["conversation.created"] });
    expect((await call(`/api/webhooks/${id}`, { method: "DELETE" })).response.status).toBe(204);
    expect((await call(`/api/webhooks/${id}`, { method: "DELETE" })).response.status).toBe(404);
    expect((await call(`/api/webhooks/${id}`)).response.status).toBe(404);
  });

  it("400 for a malformed id", async () => {
    const { response, body } = await call("/api/webhooks/not-an-id");
    expect(response.status).toBe(400);
    expect(body.details[0].field).toBe("path.id");
  });
});

describe("POST /api/webhooks/{id}/rotate-secret", () => {
  it("a new secret; the previous one signs too for 24 hours", async () => {
    const { id, secret } = await createEndpoint({ events: ["conversation.created"] });
    const before = Date.now();
    const { response, body } = await post(`/api/webhooks/${id}/rotate-secret`, {});
    expect(response.status).toBe(200);
    expect(body.data._id).toBe(id);
    expect(body.data.secret).toMatch(SECRET);
    expect(body.data.secret).not.toBe(secret);
    const expires = Date.parse(body.data.previousSecretExpiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 24 * 3600 * 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3600 * 1000);
    const row = await env.DB.prepare(
      "select secret, previous_secret from webhook_endpoints where id = ?",
    )
      .bind(id)
      .first<{ secret: string; previous_secret: string }>();
    expect(row).toEqual({ secret: body.data.secret, previous_secret: secret });
    expect((await call(`/api/webhooks/${id}`)).body.data.previousSecretExpiresAt).toBe(
      body.data.previousSecretExpiresAt,
    );
  });
});

describe("POST /api/webhooks/{id}/test", () => {
  it("202 with the event's id: a webhook.test event for this endpoint alone", async () => {
    const { id } = await createEndpoint({ events: ["conversation.created"] });
    const other = await createEndpoint({ events: ["conversation.created"] });
    const { response, body } = await post(`/api/webhooks/${id}/test`, {});
    expect(response.status).toBe(202);
    expect(body.data.eventId).toMatch(/^evt_[0-9a-f]{24}$/);
    const event = await env.DB.prepare("select * from webhook_events where id = ?")
      .bind(body.data.eventId)
      .first<Record<string, any>>();
    expect(event).toMatchObject({ type: "webhook.test", endpoint_id: id });
    expect(event?.endpoint_id).not.toBe(other.id);
    expect(JSON.parse(event?.data)).toMatchObject({ webhookId: id });
    // Queued once the request was answered.
    expect(event?.queued_at).toEqual(expect.any(Number));
  });

  it("409 for a paused endpoint, and no event", async () => {
    const { id } = await createEndpoint({ events: ["conversation.created"], enabled: false });
    const before = await env.DB.prepare("select count(*) as n from webhook_events").first<{
      n: number;
    }>();
    const { response, body } = await post(`/api/webhooks/${id}/test`, {});
    expect(response.status).toBe(409);
    expect(body.code).toBe("conflict");
    const after = await env.DB.prepare("select count(*) as n from webhook_events").first<{
      n: number;
    }>();
    expect(after?.n).toBe(before?.n);
  });
});

describe("GET /api/webhooks/{id}/deliveries", () => {
  it("newest first, field by field, with a cursor; an endpoint without any is an empty page", async () => {
    const { id } = await createEndpoint({ events: ["conversation.created"] });
    const empty = await call(`/api/webhooks/${id}/deliveries`);
    expect(empty.body).toEqual({
      success: true,
      data: [],
      pagination: { nextCursor: null, hasMore: false, limit: 20 },
    });
    const insert = env.DB.prepare(
      "insert into webhook_deliveries (id, organization_id, endpoint_id, event_id, type, attempt, status, response_status, duration_ms, next_attempt_at, created_at) values (?, '65a0e0e0e0e0e0e0e0e0e0e0', ?, 'evt_1', 'conversation.created', ?, ?, ?, 12, ?, ?)",
    );
    await env.DB.batch([
      insert.bind(
        "6790a0b0c0d0e0f0a0b0c0d1",
        id,
        1,
        "failed",
        500,
        1_800_000_010_000,
        1_800_000_000_000,
      ),
      insert.bind("6790a0b0c0d0e0f0a0b0c0d2", id, 2, "succeeded", 204, null, 1_800_000_010_000),
    ]);
    const first = await call(`/api/webhooks/${id}/deliveries?limit=1`);
    expect(first.body.data).toEqual([
      {
        _id: "6790a0b0c0d0e0f0a0b0c0d2",
        eventId: "evt_1",
        type: "conversation.created",
        attempt: 2,
        status: "succeeded",
        responseStatus: 204,
        durationMs: 12,
        nextAttemptAt: null,
        createdAt: "2027-01-15T08:00:10.000Z",
      },
    ]);
    const second = await call(
      `/api/webhooks/${id}/deliveries?limit=1&cursor=${first.body.pagination.nextCursor}`,
    );
    expect(second.body.data).toEqual([
      expect.objectContaining({
        attempt: 1,
        status: "failed",
        responseStatus: 500,
        nextAttemptAt: "2027-01-15T08:00:10.000Z",
      }),
    ]);
  });
});
