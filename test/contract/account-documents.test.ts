import { describe, expect, it } from "vitest";
import { webhookDeliveries } from "../../src/platform/db/schema";
import { newObjectId } from "../../src/platform/util/ids";
import { json, request } from "../helpers/app";
import { bearer, newOrganization } from "../helpers/auth";
import { testDb, tick } from "../helpers/factories";

/*
 * The account resources of the Training API (contacts, users, webhook endpoints and their
 * deliveries, API keys) each answer one document, built in SQL (src/**\/<resource>.document.ts)
 * and rendered into every statement that answers it: the GET, a list page, the RETURNING of a
 * write. These tests hold the renderings to each other byte for byte: the `data` of a create
 * (less a secret shown once) and of a PATCH is the GET's `data`, a list item is the GET's `data`.
 * Each test works in an organization of its own, so its lists hold only what it wrote.
 */

type Doc = Record<string, unknown>;

const ENVELOPE = '{"success":true,"data":';

/** The answer's body, once it is known to be a success. */
const text = async (response: Response) => {
  const body = await response.text();
  expect(response.status, body).toBeLessThan(300);
  return body;
};

/** The `data` of a `{ success, data }` answer, as the bytes the API sent. */
const dataText = (body: string) => {
  expect(body.startsWith(ENVELOPE) && body.endsWith("}"), body).toBe(true);
  return body.slice(ENVELOPE.length, -1);
};

/** Each item of a list answer, written back as JSON (keys in the order they came). */
const itemsOf = (body: string) =>
  ((JSON.parse(body) as { data: unknown[] }).data ?? []).map((item) => JSON.stringify(item));

/** The document without `key`, written back as JSON in the order the rest came in. */
const without = (docText: string, key: string) => {
  const { [key]: removed, ...rest } = JSON.parse(docText) as Doc;
  expect(removed, `${key} is in the document`).toBeDefined();
  return JSON.stringify(rest);
};

/** A Training API caller: GET and JSON writes with its token. */
const caller = (token: string) => ({
  get: async (path: string) => text(await request(path, bearer(token))),
  send: async (method: string, path: string, body: unknown) =>
    text(await request(path, json(body, { method, ...bearer(token) }))),
});

describe("one document per account resource, every rendering", () => {
  it("a contact: the create's and PATCH's data, GET and its list item are the same bytes", async () => {
    const { token } = await newOrganization("admin");
    const api = caller(token);
    const email = `doc-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const created = dataText(
      await api.send("POST", "/api/contacts", {
        firstName: "Ada",
        lastName: null,
        phoneNumber: "+15550001234",
        email,
        channelType: "sms",
      }),
    );
    const { _id: id, lastName } = JSON.parse(created) as Doc;
    expect(lastName).toBeNull();
    const get = async () => dataText(await api.get(`/api/contacts/${id}`));
    expect(created).toBe(await get());

    const patched = dataText(
      await api.send("PATCH", `/api/contacts/${id}`, {
        lastName: "Lovelace",
        phoneNumber: null,
        channelType: "email",
      }),
    );
    const afterPatch = await get();
    expect(patched).toBe(afterPatch);
    expect(patched).not.toBe(created);

    expect(itemsOf(await api.get(`/api/contacts?email=${encodeURIComponent(email)}`))).toEqual([
      afterPatch,
    ]);
    expect(itemsOf(await api.get("/api/contacts"))).toEqual([afterPatch]);
  });

  it("a user: the create's user, PATCH's data, GET, /me and the list items are the same bytes", async () => {
    const { token, user: admin } = await newOrganization("admin");
    const api = caller(token);
    const created = dataText(
      await api.send("POST", "/api/users", {
        email: `doc-${crypto.randomUUID().slice(0, 8)}@example.com`,
        firstName: "Grace",
        lastName: "Hopper",
        role: "agent",
      }),
    );
    // The create answers the user and the setup token shown once, with its expiry.
    const { user, setupToken, setupExpiresAt } = JSON.parse(created) as {
      user: Doc;
      setupToken: string;
      setupExpiresAt: string;
    };
    expect(setupToken).toMatch(/^st_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(setupExpiresAt)).toBeGreaterThan(Date.parse(user.createdAt as string));
    expect(without(created, "setupToken")).toBe(JSON.stringify({ user, setupExpiresAt }));
    const id = user._id as string;
    const get = async (userId = id) => dataText(await api.get(`/api/users/${userId}`));
    expect(JSON.stringify(user)).toBe(await get());

    const patched = dataText(
      await api.send("PATCH", `/api/users/${id}`, { firstName: "Amazing", isActive: false }),
    );
    const afterPatch = await get();
    expect(patched).toBe(afterPatch);
    expect((JSON.parse(afterPatch) as Doc).isActive).toBe(false);

    const adminDoc = await get(admin.id);
    expect(dataText(await api.get("/api/users/me"))).toBe(adminDoc);
    // The organization's two users, newest first: the one made here, then its admin.
    expect(itemsOf(await api.get("/api/users"))).toEqual([afterPatch, adminDoc]);
    expect(itemsOf(await api.get("/api/users?isActive=false"))).toEqual([afterPatch]);
  });

  it("a webhook endpoint: the create's data (less its secret), PATCH's, the rotation's, GET and its list item agree", async () => {
    const { token } = await newOrganization("admin");
    const api = caller(token);
    const created = dataText(
      await api.send("POST", "/api/webhooks", {
        url: "https://hooks.example.com/documents",
        events: ["training.snapshot.created", "conversation.created"],
        enabled: false,
      }),
    );
    const { _id: id, secret } = JSON.parse(created) as Doc;
    expect(Object.keys(JSON.parse(created) as Doc).at(-1)).toBe("secret");
    const get = async () => dataText(await api.get(`/api/webhooks/${id}`));
    const first = await get();
    expect(without(created, "secret")).toBe(first);
    expect(first).not.toContain(String(secret));

    const patched = dataText(
      await api.send("PATCH", `/api/webhooks/${id}`, {
        enabled: true,
        description: "Documents",
        events: ["conversation.created"],
      }),
    );
    expect(patched).toBe(await get());
    expect(patched).not.toBe(first);

    const rotated = JSON.parse(
      dataText(await api.send("POST", `/api/webhooks/${id}/rotate-secret`, {})),
    ) as Doc;
    expect(Object.keys(rotated)).toEqual(["_id", "secret", "previousSecretExpiresAt"]);
    expect(rotated.secret).not.toBe(secret);
    const afterRotation = await get();
    expect((JSON.parse(afterRotation) as Doc).previousSecretExpiresAt).toBe(
      rotated.previousSecretExpiresAt,
    );
    expect(afterRotation).not.toContain(String(rotated.secret));

    expect(itemsOf(await api.get("/api/webhooks"))).toEqual([afterRotation]);
  });

  it("a webhook delivery: the list item is the stored attempt, dates ISO, nulls null, in the schema's order", async () => {
    const { token, organizationId } = await newOrganization("admin");
    const api = caller(token);
    const endpoint = JSON.parse(
      dataText(
        await api.send("POST", "/api/webhooks", {
          url: "https://hooks.example.com/deliveries",
          events: ["conversation.created"],
        }),
      ),
    ) as Doc;
    const createdAt = tick();
    const attempts = [
      {
        attempt: 1,
        status: "failed" as const,
        responseStatus: 503,
        nextAttemptAt: createdAt + 60_000,
      },
      { attempt: 2, status: "pending" as const, responseStatus: null, nextAttemptAt: null },
    ].map((a, i) => ({
      ...a,
      id: newObjectId(createdAt + i),
      organizationId,
      endpointId: endpoint._id as string,
      eventId: `evt_${crypto.randomUUID().slice(0, 8)}`,
      type: "conversation.created" as const,
      durationMs: a.responseStatus === null ? null : 84,
      createdAt: createdAt + i,
    }));
    await testDb().insert(webhookDeliveries).values(attempts);
    const listed = itemsOf(await api.get(`/api/webhooks/${endpoint._id}/deliveries`));
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    expect(listed).toEqual(
      attempts.reverse().map((a) =>
        JSON.stringify({
          _id: a.id,
          eventId: a.eventId,
          type: a.type,
          attempt: a.attempt,
          status: a.status,
          responseStatus: a.responseStatus,
          durationMs: a.durationMs,
          nextAttemptAt: iso(a.nextAttemptAt),
          createdAt: iso(a.createdAt),
        }),
      ),
    );
  });

  it("an API key: the create's data (less the key) is its list item's, which never shows the key", async () => {
    const { token } = await newOrganization("admin");
    const api = caller(token);
    const created = dataText(await api.send("POST", "/api/keys", { name: "Documents" }));
    const { _id: id, key } = JSON.parse(created) as Doc;
    const listItem = async () => {
      const body = await api.get("/api/keys");
      expect(body).not.toContain(String(key));
      const items = itemsOf(body);
      expect(items).toHaveLength(1);
      return JSON.parse(items[0] as string) as Doc;
    };
    const item = await listItem();
    expect(item._id).toBe(id);
    // The list item holds the create answer's values (less the key), byte for byte.
    const shown = Object.keys(JSON.parse(without(created, "key")) as Doc);
    expect(JSON.stringify(Object.fromEntries(shown.map((k) => [k, item[k]])))).toBe(
      without(created, "key"),
    );
    expect(item).toMatchObject({ lastUsedAt: null, revokedAt: null });

    expect((await request(`/api/keys/${id}`, { method: "DELETE", ...bearer(token) })).status).toBe(
      204,
    );
    const revoked = await listItem();
    expect(revoked.revokedAt).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/));
    expect({ ...revoked, revokedAt: null }).toEqual(item);
  });
});
