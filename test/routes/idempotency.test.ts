import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { json, request } from "../helpers/app";
import { apiKeyHeaders, tokenFor } from "../helpers/auth";
import { insertUser } from "../helpers/factories";
import { ACME, ADMIN, BOB, GLOBEX, GLOBEX_KEY } from "../helpers/seed";

type Body = Record<string, any>;

async function send(path: string, body: unknown, headers: Record<string, string>) {
  const response = await request(path, json(body, { headers }));
  const text = await response.text();
  return { response, text, body: (text ? JSON.parse(text) : null) as Body };
}
const bearer = async (role: "manager" | "admin" = "manager") => ({
  authorization: `Bearer ${await tokenFor(role === "admin" ? { userId: ADMIN, role } : {})}`,
});
const keyHeaders = (apiKeyHeaders().headers ?? {}) as Record<string, string>;
const count = async (sql: string, ...params: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...params)
      .first<{ n: number }>()
  )?.n ?? 0;
// Stored under the caller (`user:<id>\n<key>`, `key:<id>\n<key>`).
const stored = (key: string) =>
  env.DB.prepare("select * from idempotency_keys where key like '%' || char(10) || ?")
    .bind(key)
    .first<Record<string, unknown>>();
const newKey = () => `key-${crypto.randomUUID()}`;

describe("Idempotency-Key", () => {
  it("replays the first answer, status and body, and writes nothing more", async () => {
    const key = newKey();
    const headers = { ...(await bearer()), "idempotency-key": key };
    const body = { firstName: "Once", email: `${key}@example.org`, channelType: "email" };
    const first = await send("/api/contacts", body, headers);
    expect(first.response.status).toBe(201);
    expect(first.response.headers.get("idempotent-replayed")).toBeNull();
    const again = await send("/api/contacts", body, headers);
    expect(again.response.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.response.headers.get("idempotent-replayed")).toBe("true");
    expect(again.response.headers.get("location")).toBe(first.response.headers.get("location"));
    expect(
      await count("select count(*) as n from contacts where email = ?", `${key}@example.org`),
    ).toBe(1);
  });

  it("the same key with another body is 422, in each surface's envelope", async () => {
    const key = newKey();
    const training = { ...(await bearer()), "idempotency-key": key };
    await send("/api/contacts", { firstName: "A", channelType: "sms" }, training);
    const refused = await send("/api/contacts", { firstName: "B", channelType: "sms" }, training);
    expect(refused.response.status).toBe(422);
    expect(refused.body).toMatchObject({ success: false, code: "idempotency_key_reused" });

    // Another path is another request too.
    expect(
      (await send("/api/training/snapshots", { contactId: "x", conversationId: "y" }, training))
        .response.status,
    ).toBe(422);
    const conversations = { ...keyHeaders, "idempotency-key": newKey() };
    expect(
      (await send("/v1/api/conversations", { customer: {} }, conversations)).response.status,
    ).toBe(201);
    const other = await send("/v1/api/conversations", { customer: { name: "x" } }, conversations);
    expect(other.response.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
  });

  it("20 concurrent requests with one key: one write, twenty identical 201s, nineteen replays", async () => {
    const key = newKey();
    const pathwayId = `pw-${key.slice(4, 12)}`;
    const headers = { ...keyHeaders, "idempotency-key": key };
    const body = { customer: {}, pathwayId, messages: [{ direction: "inbound", message: "hi" }] };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => send("/v1/api/conversations", body, headers)),
    );
    expect(answers.map((a) => a.response.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(
      answers.filter((a) => a.response.headers.get("idempotent-replayed") === "true"),
    ).toHaveLength(19);
    expect(
      await count("select count(*) as n from conversations where pathway_id = ?", pathwayId),
    ).toBe(1);
  });

  it("keys are per organization", async () => {
    const key = newKey();
    const acme = await send(
      "/v1/api/conversations",
      { customer: {} },
      { ...keyHeaders, "idempotency-key": key },
    );
    const globexHeaders = (apiKeyHeaders(GLOBEX_KEY, GLOBEX).headers ?? {}) as Record<
      string,
      string
    >;
    const globex = await send(
      "/v1/api/conversations",
      { customer: {} },
      { ...globexHeaders, "idempotency-key": key },
    );
    expect(globex.response.status).toBe(201);
    expect(globex.response.headers.get("idempotent-replayed")).toBeNull();
    expect(globex.body._id).not.toBe(acme.body._id);
  });

  it("keys are the caller's own: another user, or an API key, with the same key writes its own", async () => {
    const key = newKey();
    const body = { name: "per-caller" };
    const first = await send("/api/keys", body, {
      ...(await bearer("admin")),
      "idempotency-key": key,
    });
    expect(first.response.status).toBe(201);
    // Another admin of the organization, same key, same request: a key of its own, not the
    // first admin's secret (before: the first answer, replayed).
    const other = await insertUser({ role: "admin" });
    const otherToken = await tokenFor({ userId: other.id, role: "admin" });
    const second = await send("/api/keys", body, {
      authorization: `Bearer ${otherToken}`,
      "idempotency-key": key,
    });
    expect(second.response.status).toBe(201);
    expect(second.response.headers.get("idempotent-replayed")).toBeNull();
    expect(second.body.data.key).not.toBe(first.body.data.key);
    // The Conversations API's key with the same Idempotency-Key: its own request too.
    const ingest = await send(
      "/v1/api/conversations",
      { customer: {} },
      {
        ...keyHeaders,
        "idempotency-key": key,
      },
    );
    expect(ingest.response.status).toBe(201);
  });

  it("a caller the route refuses gets the refusal, never a replay (role checked first)", async () => {
    const key = newKey();
    const body = { name: "admins-only" };
    const first = await send("/api/keys", body, {
      ...(await bearer("admin")),
      "idempotency-key": key,
    });
    expect(first.response.status).toBe(201);
    // Before: an agent sending the admin's key and body received the admin's 201 and API key.
    const agent = await send("/api/keys", body, {
      authorization: `Bearer ${await tokenFor({ role: "agent" })}`,
      "idempotency-key": key,
    });
    expect(agent.response.status).toBe(403);
    expect(agent.text).not.toContain(first.body.data.key);
    expect(agent.body).toMatchObject({ success: false, code: "forbidden" });
  });

  it("a refused write stores no key: the write and its key commit together", async () => {
    const key = newKey();
    const headers = { ...(await bearer()), "idempotency-key": key };
    const taken = { firstName: "Dup", email: "jane@example.com", channelType: "email" };
    expect((await send("/api/contacts", taken, headers)).response.status).toBe(409);
    expect(await stored(key)).toBeNull();
    // Refused before any write (validation): nothing stored either.
    expect((await send("/api/contacts", { firstName: "" }, headers)).response.status).toBe(400);
    expect(await stored(key)).toBeNull();
  });

  it("after 24 hours the key is free again, and expired keys are pruned", async () => {
    const key = newKey();
    const headers = { ...keyHeaders, "idempotency-key": key };
    const first = await send("/v1/api/conversations", { customer: {} }, headers);
    await env.DB.prepare(
      "update idempotency_keys set expires_at = 1 where key like '%' || char(10) || ?",
    )
      .bind(key)
      .run();
    for (let i = 0; i < 5; i++) {
      await env.DB.prepare(
        "insert into idempotency_keys (organization_id, key, request_hash, created_at, expires_at) values (?, ?, 'h', 1, 2)",
      )
        .bind(ACME, `stale-${key}-${i}`)
        .run();
    }
    const later = await send("/v1/api/conversations", { customer: {} }, headers);
    expect(later.response.status).toBe(201);
    expect(later.response.headers.get("idempotent-replayed")).toBeNull();
    expect(later.body._id).not.toBe(first.body._id);
    expect(
      await count("select count(*) as n from idempotency_keys where key like ?", `stale-${key}-%`),
    ).toBe(0);
  });

  it("stores the answer encrypted: an API key shown once is not readable in D1", async () => {
    const key = newKey();
    const headers = { ...(await bearer("admin")), "idempotency-key": key };
    const created = await send("/api/keys", { name: "replayable" }, headers);
    expect(created.response.status).toBe(201);
    const row = await stored(key);
    expect(row?.status).toBe(201);
    expect(String(row?.response)).not.toContain(created.body.data.key);
    expect(String(row?.response)).not.toContain("replayable");
    const again = await send("/api/keys", { name: "replayable" }, headers);
    expect(again.body.data.key).toBe(created.body.data.key);
    expect(await count("select count(*) as n from api_keys where name = 'replayable'")).toBe(1);
  });

  it.each([
    ["empty", ""],
    ["too long", "k".repeat(256)],
    ["not printable", "tab\there"],
  ])("400 for a malformed key (%s)", async (_, key) => {
    const response = await request(
      "/v1/api/conversations",
      json({ customer: {} }, { headers: { ...keyHeaders, "idempotency-key": key } }),
    );
    const body = (await response.json()) as Body;
    expect(response.status).toBe(400);
    expect(body.error.details).toEqual([
      expect.objectContaining({ field: "header.idempotency-key" }),
    ]);
  });

  it("covers the other POSTs too: a snapshot capture and a message action", async () => {
    const key = newKey();
    const headers = { ...(await bearer()), "idempotency-key": key };
    const capture = {
      contactId: "65c2d0e0f0a0b0c0d0e0f0a0",
      conversationId: "67d0a0b0c0d0e0f0a0b0c0d0",
    };
    const first = await send("/api/training/snapshots", capture, headers);
    const again = await send("/api/training/snapshots", capture, headers);
    expect(again.text).toBe(first.text);
    expect(again.response.headers.get("etag")).toBe(first.response.headers.get("etag"));
    const draft = await send(
      `/v1/api/conversations/${"112ec528bf7946a12ab0fs21"}/messages`,
      { direction: "outbound", message: "draft" },
      keyHeaders,
    );
    const actionHeaders = { ...keyHeaders, "idempotency-key": newKey() };
    const path = `/v1/api/conversations/112ec528bf7946a12ab0fs21/message/${draft.body._id}/action`;
    const approved = await send(path, { metadata: { action: "Approve" } }, actionHeaders);
    const replayed = await send(path, { metadata: { action: "Approve" } }, actionHeaders);
    expect(approved.response.status).toBe(200);
    expect(replayed.response.status).toBe(200); // not the 409 a second approval is
    expect(replayed.text).toBe(approved.text);
  });

  it("does nothing without the header", async () => {
    const globex = await tokenFor({ userId: BOB, organizationId: GLOBEX });
    const body = { firstName: "Plain", channelType: "webchat" };
    const a = await send("/api/contacts", body, { authorization: `Bearer ${globex}` });
    const b = await send("/api/contacts", body, { authorization: `Bearer ${globex}` });
    expect(a.body.data._id).not.toBe(b.body.data._id);
  });
});
