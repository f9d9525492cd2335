import { desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiKeys } from "../../src/platform/db/schema";
import { sha256Hex } from "../../src/platform/util/encoding";
import { json, request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";
import { insertUser, testDb } from "../helpers/factories";
import { ACME, ADMIN, AGENT, DOCS_CONVERSATION, GLOBEX } from "../helpers/seed";

type Body = Record<string, any>;

const adminToken = () => tokenFor({ userId: ADMIN, role: "admin" });

async function createKey(name = "CRM sync", token?: string) {
  const response = await request(
    "/api/keys",
    json({ name }, bearer(token ?? (await adminToken()))),
  );
  return { response, body: (await response.json()) as Body };
}

async function listKeys(token?: string) {
  const response = await request("/api/keys", bearer(token ?? (await adminToken())));
  return { response, body: (await response.json()) as Body };
}

const useKey = (key: string, bindings: Partial<Env> = {}) =>
  request(`/v1/api/conversations/${DOCS_CONVERSATION}`, apiKeyHeaders(key, ACME), bindings);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("API key lifecycle: create → use → list → revoke", () => {
  it("shows the key once, stores only its hash, and the key works at once", async () => {
    const { response, body } = await createKey("CRM sync");
    expect(response.status).toBe(201);
    expect(Object.keys(body.data).sort()).toEqual(["_id", "createdAt", "key", "name", "prefix"]);
    const { key, prefix, _id } = body.data;
    expect(key).toMatch(/^cvk_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(prefix)).toBe(true);
    expect(prefix).toHaveLength(12);

    const [row] = await testDb().select().from(apiKeys).where(eq(apiKeys.id, _id));
    expect(row?.keyHash).toBe(await sha256Hex(key));
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row?.createdByUserId).toBe(ADMIN);

    expect((await useKey(key)).status).toBe(200);
  });

  it("lists keys without any secret, and records their last use at most once a minute", async () => {
    const { body: created } = await createKey("listed");
    const { key, _id } = created.data;
    await useKey(key);
    const first = await listKeys();
    expect(first.response.status).toBe(200);
    const text = JSON.stringify(first.body);
    expect(text).not.toContain(key);
    expect(text).not.toContain(await sha256Hex(key));
    expect(text).not.toContain("keyHash");
    const item = first.body.data.find((k: Body) => k._id === _id);
    expect(Object.keys(item).sort()).toEqual([
      "_id",
      "createdAt",
      "lastUsedAt",
      "name",
      "prefix",
      "revokedAt",
    ]);
    expect(item.name).toBe("listed");
    expect(item.revokedAt).toBeNull();
    expect(item.lastUsedAt).toMatch(/Z$/);

    await sleep(5);
    await useKey(key);
    const second = await listKeys();
    expect(second.body.data.find((k: Body) => k._id === _id).lastUsedAt).toBe(item.lastUsedAt);
    expect(first.body.data.map((k: Body) => k.name)).toContain("Local development");
  });

  it("lists keys newest first, whatever order their rows were written in", async () => {
    // Rows written oldest last: a list that came back in the table's order would show it.
    const ids: string[] = [];
    for (const name of ["older", "oldest", "newest"])
      ids.push((await createKey(name)).body.data._id);
    const base = Date.now() + 60_000;
    const at = { older: base + 1000, oldest: base, newest: base + 2000 };
    for (const [i, name] of (["older", "oldest", "newest"] as const).entries()) {
      await testDb()
        .update(apiKeys)
        .set({ createdAt: at[name] })
        .where(eq(apiKeys.id, ids[i] as string));
    }
    const { body } = await listKeys();
    const names = body.data.map((k: Body) => k.name);
    expect(names.slice(0, 3)).toEqual(["newest", "older", "oldest"]);
    const stored = await testDb()
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(eq(apiKeys.organizationId, ACME))
      .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
    expect(body.data.map((k: Body) => k._id)).toEqual(stored.map((row) => row.id));
  });

  it("revocation through the API stops the key at once in this isolate", async () => {
    const { body } = await createKey("short-lived");
    const { key, _id } = body.data;
    expect((await useKey(key)).status).toBe(200);
    const revoked = await request(`/api/keys/${_id}`, {
      method: "DELETE",
      ...bearer(await adminToken()),
    });
    expect(revoked.status).toBe(204);
    const refused = await useKey(key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as Body).error.code).toBe("invalid_api_key");
    const listed = await listKeys();
    expect(listed.body.data.find((k: Body) => k._id === _id).revokedAt).toMatch(/Z$/);
    const again = await request(`/api/keys/${_id}`, {
      method: "DELETE",
      ...bearer(await adminToken()),
    });
    expect(again.status).toBe(204);
  });

  it("a key revoked elsewhere is refused once the cache lifetime passes", async () => {
    const { body } = await createKey("cached");
    const { key, _id } = body.data;
    const ttl = { API_KEY_CACHE_TTL_SECONDS: "1" };
    expect((await useKey(key, ttl)).status).toBe(200);
    // Another isolate revokes it: this one still trusts its cache, for at most the lifetime.
    await testDb().update(apiKeys).set({ revokedAt: Date.now() }).where(eq(apiKeys.id, _id));
    expect((await useKey(key, ttl)).status).toBe(200);
    await sleep(1100);
    expect((await useKey(key, ttl)).status).toBe(401);
  });
});

describe("API key management is for admins of the organization", () => {
  it.each([
    ["manager", { role: "manager" as const }],
    ["agent", { userId: AGENT, role: "agent" as const }],
  ])("403 forbidden for a %s", async (_, user) => {
    const token = await tokenFor(user);
    expect((await createKey("nope", token)).response.status).toBe(403);
    expect((await listKeys(token)).response.status).toBe(403);
    const del = await request("/api/keys/65a1e0e0e0e0e0e0e0e0e0e0", {
      method: "DELETE",
      ...bearer(token),
    });
    expect(del.status).toBe(403);
    expect(((await del.json()) as Body).code).toBe("forbidden");
  });

  it("401 without a token", async () => {
    expect((await request("/api/keys")).status).toBe(401);
  });

  it("another organization's admin cannot see or revoke the key (404)", async () => {
    const { body } = await createKey("acme only");
    const admin = await insertUser({ organizationId: GLOBEX, role: "admin" });
    const globexAdmin = await tokenFor({ userId: admin.id, organizationId: GLOBEX, role: "admin" });
    const listed = await listKeys(globexAdmin);
    expect(listed.body.data.map((k: Body) => k._id)).not.toContain(body.data._id);
    const del = await request(`/api/keys/${body.data._id}`, {
      method: "DELETE",
      ...bearer(globexAdmin),
    });
    expect(del.status).toBe(404);
    expect((await useKey(body.data.key)).status).toBe(200);
  });

  it.each([
    [{}, "body.name", "required"],
    [{ name: "" }, "body.name", "min_length"],
    [{ name: "x".repeat(101) }, "body.name", "max_length"],
    [{ name: "tab\there" }, "body.name", "pattern"],
    [{ name: "ok", scopes: ["all"] }, "body.scopes", "unknown_field"],
  ])("400 for %j", async (payload, field, rule) => {
    const response = await request("/api/keys", json(payload, bearer(await adminToken())));
    const body = (await response.json()) as Body;
    expect(response.status).toBe(400);
    expect(body.details).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it("400 for a malformed id, 404 for an unknown one", async () => {
    const token = await adminToken();
    expect((await request("/api/keys/nope", { method: "DELETE", ...bearer(token) })).status).toBe(
      400,
    );
    expect(
      (await request("/api/keys/0123456789abcdef01234567", { method: "DELETE", ...bearer(token) }))
        .status,
    ).toBe(404);
  });
});
