import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  trainingSnapshotMessages,
  trainingSnapshots,
  trainingSnapshotTags,
} from "../../src/platform/db/schema";
import { json, requestBody } from "../helpers/app";
import { tokenFor } from "../helpers/auth";
import { sabotagedBatch } from "../helpers/d1";
import { insertContact, insertConversation, testDb } from "../helpers/factories";
import { AGENT, BOB, GLOBEX, GLOBEX_CONVERSATION, JANE, SNAPSHOT } from "../helpers/seed";

const JANE_CONVERSATION = "67d0a0b0c0d0e0f0a0b0c0d0";
const base = "/api/training/snapshots";

type Body = Record<string, any>;

async function call(
  method: string,
  path: string,
  body?: unknown,
  init: { token?: string; headers?: Record<string, string>; bindings?: Partial<Env> } = {},
) {
  const token = init.token ?? (await tokenFor());
  const headers = { authorization: `Bearer ${token}`, ...init.headers };
  const requestInit: RequestInit =
    body === undefined ? { method, headers } : json(body, { method, headers });
  return requestBody(path, requestInit, init.bindings);
}

async function counts() {
  const db = testDb();
  return {
    snapshots: (await db.select().from(trainingSnapshots)).length,
    copies: (await db.select().from(trainingSnapshotMessages)).length,
    tags: (await db.select().from(trainingSnapshotTags)).length,
  };
}

describe("a snapshot's life: create → get → patch → list → export → delete", () => {
  it("round-trips through every endpoint", async () => {
    const created = await call("POST", base, {
      contactId: JANE,
      conversationId: JANE_CONVERSATION,
      notes: "Clean upsell.",
      tags: [" Upsell ", "pricing", "UPSELL"],
      quality: "good",
      category: "upsell",
    });
    expect(created.response.status).toBe(201);
    expect(created.body.success).toBe(true);
    expect(created.body.message).toBe("Training snapshot created successfully");
    const id = created.body.data._id;
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(created.response.headers.get("location")).toBe(`${base}/${id}`);
    const createdEtag = created.response.headers.get("etag");
    expect(createdEtag).toMatch(/^"v1\.[0-9a-f]{16}"$/);

    const data = created.body.data;
    expect(data.tags).toEqual(["upsell", "pricing"]);
    expect(data.messageCount).toBe(4);
    expect(data.messages.map((m: Body) => [m.id, m.sender, m.senderType])).toEqual([
      ["67e0a0b0c0d0e0f0a0b0c0d0", "user", "AI"],
      ["67e0a0b0c0d0e0f0a0b0c0d1", "contact", "human"],
      ["67e0a0b0c0d0e0f0a0b0c0d2", "user", "AI"],
      ["67e0a0b0c0d0e0f0a0b0c0d3", "contact", "human"],
    ]);
    expect(data.customerName).toBe("Jane Doe");
    expect(data.customerPhone).toBe("+14155550123");
    expect(data.conversationStartDate).toBe("2026-05-18T13:30:00.000Z");
    expect(data.conversationEndDate).toBe("2026-05-18T14:10:00.000Z");
    expect(data.userId._id).toBe("65b1f0a2c3d4e5f6a7b8c9d0");
    expect(data.contactId._id).toBe(JANE);
    expect(data.createdAt).toBe(data.updatedAt);
    expect(data.snapshotDate).toBe(data.createdAt);

    const fetched = await call("GET", `${base}/${id}`);
    expect(fetched.body.data).toStrictEqual(data);
    expect(fetched.response.headers.get("etag")).toBe(createdEtag);

    const patched = await call(
      "PATCH",
      `${base}/${id}`,
      { notes: "Textbook upsell.", quality: "neutral", tags: ["upsell"] },
      { headers: { "if-match": '"v1"' } },
    );
    expect(patched.response.status).toBe(200);
    expect(patched.body.message).toBe("Training snapshot updated successfully");
    expect(patched.response.headers.get("etag")).toMatch(/^"v2\.[0-9a-f]{16}"$/);
    expect(patched.body.data.notes).toBe("Textbook upsell.");
    expect(patched.body.data.quality).toBe("neutral");
    expect(patched.body.data.tags).toEqual(["upsell"]);
    expect(patched.body.data.createdAt).toBe(data.createdAt);
    expect(Date.parse(patched.body.data.updatedAt)).toBeGreaterThan(Date.parse(data.updatedAt));
    expect(patched.body.data.messages).toStrictEqual(data.messages);
    const refetched = await call("GET", `${base}/${id}`);
    expect(refetched.body.data).toStrictEqual(patched.body.data);
    expect(refetched.response.headers.get("etag")).toBe(patched.response.headers.get("etag"));

    const listed = await call("GET", `${base}?tag=upsell&quality=neutral`);
    expect(listed.body.data.map((s: Body) => s._id)).toEqual([id]);
    expect(listed.body.data[0]).not.toHaveProperty("messages");
    const { messages: _, ...withoutMessages } = patched.body.data;
    expect(listed.body.data[0]).toStrictEqual(withoutMessages);

    const exported = await call("GET", "/api/training/export?tag=upsell");
    expect(exported.body.totalSnapshots).toBe(1);
    expect(exported.body.data[0].id).toBe(id);
    expect(exported.body.data[0].conversation.map((m: Body) => m.role)).toEqual([
      "assistant",
      "user",
      "assistant",
      "user",
    ]);

    const deleted = await call("DELETE", `${base}/${id}`);
    expect(deleted.response.status).toBe(204);
    expect(deleted.body).toBeNull();
    expect((await call("GET", `${base}/${id}`)).response.status).toBe(404);
    const leftovers = await testDb()
      .select()
      .from(trainingSnapshotMessages)
      .where(eq(trainingSnapshotMessages.snapshotId, id));
    expect(leftovers).toEqual([]);
  });
});

describe("POST /api/training/snapshots: what gets captured", () => {
  it("captures all of a contact's messages across conversations, oldest first", async () => {
    const contact = await insertContact();
    const first = await insertConversation({ contactId: contact.id, messageCount: 3 });
    const second = await insertConversation({ contactId: contact.id, messageCount: 2 });
    const { response, body } = await call("POST", base, { contactId: contact.id });
    expect(response.status).toBe(201);
    const chronological = [...first.messages, ...second.messages]
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
      .map((m) => m.id);
    expect(body.data.messages.map((m: Body) => m.id)).toEqual(chronological);
    expect(body.data.messageCount).toBe(5);
    expect(body.data.customerName).toBe("Casey Jones");
    expect(body.data.notes).toBeNull();
    expect(body.data.tags).toEqual([]);
    expect(body.data.quality).toBeNull();
  });

  it("captures exactly the named messages, in chronological order whatever the order given", async () => {
    const { conversation, messages } = await insertConversation({ messageCount: 5 });
    const picked = [messages[3], messages[0], messages[2]].map((m) => m?.id);
    const { response, body } = await call("POST", base, {
      contactId: conversation.contactId,
      messageIds: picked,
    });
    expect(response.status).toBe(201);
    expect(body.data.messages.map((m: Body) => m.id)).toEqual([
      messages[0]?.id,
      messages[2]?.id,
      messages[3]?.id,
    ]);
  });

  it("400 listing every messageId that is not the contact's, and writes nothing", async () => {
    const { conversation, messages } = await insertConversation({ messageCount: 2 });
    const before = await counts();
    const { response, body } = await call("POST", base, {
      contactId: conversation.contactId,
      messageIds: [messages[0]?.id, "nope-1", "675c8e368824aa5f130b94d3", messages[1]?.id],
    });
    expect(response.status).toBe(400);
    expect(body.details).toEqual([
      expect.objectContaining({ field: "body.messageIds[1]", rule: "unknown_message" }),
      expect.objectContaining({ field: "body.messageIds[2]", rule: "unknown_message" }),
    ]);
    expect(body.error).toContain('"nope-1"');
    expect(await counts()).toEqual(before);
  });

  it("captures 1,000 messages, chunked under D1's parameter limit, and refuses 1,001", async () => {
    const exact = await insertConversation({ messageCount: 1000 });
    const ok = await call("POST", base, {
      contactId: exact.conversation.contactId,
      conversationId: exact.conversation.id,
    });
    expect(ok.response.status).toBe(201);
    expect(ok.body.data.messageCount).toBe(1000);
    expect((await call("GET", `${base}/${ok.body.data._id}`)).body.data.messages).toHaveLength(
      1000,
    );

    const over = await insertConversation({ messageCount: 1001 });
    const before = await counts();
    const refused = await call("POST", base, { contactId: over.conversation.contactId });
    expect(refused.response.status).toBe(400);
    expect(refused.body.details[0]).toMatchObject({ field: "body", rule: "max_messages" });
    expect(await counts()).toEqual(before);
  });

  it("404 for another tenant's contact or conversation, and for a conversation of another contact", async () => {
    const globexContact = await insertContact({ organizationId: GLOBEX });
    const foreignContact = await call("POST", base, { contactId: globexContact.id });
    expect(foreignContact.response.status).toBe(404);
    expect(foreignContact.body.code).toBe("not_found");

    const foreignConversation = await call("POST", base, {
      contactId: JANE,
      conversationId: GLOBEX_CONVERSATION,
    });
    expect(foreignConversation.response.status).toBe(404);

    const otherContacts = await call("POST", base, {
      contactId: JANE,
      conversationId: "112ec528bf7946a12ab0fs21",
    });
    expect(otherContacts.response.status).toBe(404);
    expect(otherContacts.body.error).toContain("112ec528bf7946a12ab0fs21");
  });

  it("is all or nothing: a failing statement in the write batch leaves no partial rows", async () => {
    const { conversation } = await insertConversation({ messageCount: 30 });
    const before = await counts();
    // The capture read is batch 1, the write batch 2; break its last statement (the tags).
    const broken = sabotagedBatch(env.DB, { batch: 2, statement: "last" });
    const { response } = await call(
      "POST",
      base,
      { contactId: conversation.contactId, tags: ["atomic"] },
      { bindings: { DB: broken } },
    );
    expect(response.status).toBeGreaterThanOrEqual(409);
    expect(await counts()).toEqual(before);
    const next = await call("POST", base, { contactId: conversation.contactId, tags: ["atomic"] });
    expect(next.response.status).toBe(201);
  });
});

describe("validation names the field and the rule", () => {
  it.each([
    [{}, "body.contactId", "required"],
    [{ contactId: "nope" }, "body.contactId", "pattern"],
    [{ contactId: JANE, tags: "sales" }, "body.tags", "type"],
    [
      { contactId: JANE, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      "body.tags",
      "max_length",
    ],
    [{ contactId: JANE, tags: ["x".repeat(33)] }, "body.tags[0]", "max_length"],
    [{ contactId: JANE, tags: ["  "] }, "body.tags[0]", "min_length"],
    [{ contactId: JANE, tags: ["ok", "bell\u0007"] }, "body.tags[1]", "pattern"],
    [{ contactId: JANE, category: "Objection Handling" }, "body.category", "pattern"],
    [{ contactId: JANE, category: "a".repeat(65) }, "body.category", "max_length"],
    [{ contactId: JANE, quality: "great" }, "body.quality", "enum"],
    [{ contactId: JANE, notes: 42 }, "body.notes", "type"],
    [{ contactId: JANE, notes: "x".repeat(10_001) }, "body.notes", "max_length"],
    [{ contactId: JANE, messageIds: [] }, "body.messageIds", "min_length"],
    [{ contactId: JANE, messageIds: ["a", "a"] }, "body.messageIds", "unique"],
    [{ contactId: JANE, messageIds: ["../etc"] }, "body.messageIds[0]", "pattern"],
    [{ contactId: JANE, userId: "65b1f0a2c3d4e5f6a7b8c9d0" }, "body.userId", "unknown_field"],
  ])("create case %#", async (payload, field, rule) => {
    const before = await counts();
    const { response, body } = await call("POST", base, payload);
    expect(response.status).toBe(400);
    expect(body.code).toBe("validation_failed");
    expect(body.details).toContainEqual(expect.objectContaining({ field, rule }));
    expect(body.error).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it.each([
    [{ messages: [] }, "body.messages", "immutable"],
    [{ messageCount: 1 }, "body.messageCount", "immutable"],
    [{ contactId: JANE }, "body.contactId", "immutable"],
    [{ customerName: "X" }, "body.customerName", "immutable"],
    [{ createdAt: "2020-01-01T00:00:00.000Z" }, "body.createdAt", "immutable"],
    [{ colour: "red" }, "body.colour", "unknown_field"],
    [{}, "body", "not_empty"],
    [{ isArchived: "yes" }, "body.isArchived", "type"],
    [{ quality: "great" }, "body.quality", "enum"],
  ])("patch case %#", async (payload, field, rule) => {
    const before = await call("GET", `${base}/${SNAPSHOT}`);
    const { response, body } = await call("PATCH", `${base}/${SNAPSHOT}`, payload);
    expect(response.status).toBe(400);
    expect(body.details).toContainEqual(expect.objectContaining({ field, rule }));
    expect((await call("GET", `${base}/${SNAPSHOT}`)).body).toStrictEqual(before.body);
  });
});

describe("roles", () => {
  it("an agent reads but cannot create, update or delete (403 forbidden), and nothing changes", async () => {
    const agent = await tokenFor({ userId: AGENT, role: "agent" });
    const before = await counts();
    const attempts = [
      await call("POST", base, { contactId: JANE }, { token: agent }),
      await call("PATCH", `${base}/${SNAPSHOT}`, { notes: "agent was here" }, { token: agent }),
      await call("DELETE", `${base}/${SNAPSHOT}`, undefined, { token: agent }),
    ];
    for (const { response, body } of attempts) {
      expect(response.status).toBe(403);
      expect(body).toMatchObject({ success: false, code: "forbidden" });
    }
    expect(await counts()).toEqual(before);
    expect(
      (await call("GET", `${base}/${SNAPSHOT}`, undefined, { token: agent })).response.status,
    ).toBe(200);
  });

  it("an admin can write", async () => {
    const admin = await tokenFor({ userId: "65b1f0a2c3d4e5f6a7b8c9d1", role: "admin" });
    const { response } = await call(
      "PATCH",
      `${base}/${SNAPSHOT}`,
      { isArchived: false },
      { token: admin },
    );
    expect(response.status).toBe(200);
  });
});

describe("PATCH concurrency and versions", () => {
  async function fresh() {
    const { body } = await call("POST", base, {
      contactId: JANE,
      conversationId: JANE_CONVERSATION,
    });
    return body.data._id as string;
  }

  it("two PATCHes with the same If-Match: one 200, one 412", async () => {
    const id = await fresh();
    const [a, b] = await Promise.all([
      call(
        "PATCH",
        `${base}/${id}`,
        { notes: "first writer" },
        { headers: { "if-match": '"v1"' } },
      ),
      call(
        "PATCH",
        `${base}/${id}`,
        { notes: "second writer" },
        { headers: { "if-match": '"v1"' } },
      ),
    ]);
    expect([a.response.status, b.response.status].sort()).toEqual([200, 412]);
    const loser = a.response.status === 412 ? a : b;
    const winner = a.response.status === 200 ? a : b;
    expect(loser.body).toMatchObject({ success: false, code: "precondition_failed" });
    const now = await call("GET", `${base}/${id}`);
    expect(now.body.data.notes).toBe(winner.body.data.notes);
    expect(now.response.headers.get("etag")).toMatch(/^"v2\./);
  });

  it("412 for a stale, weak or foreign ETag, and no change", async () => {
    const id = await fresh();
    await call("PATCH", `${base}/${id}`, { notes: "v2" });
    for (const tag of ['"v1"', 'W/"v2"', '"abc"', '"v1", "v3"']) {
      const { response } = await call(
        "PATCH",
        `${base}/${id}`,
        { notes: "late" },
        { headers: { "if-match": tag } },
      );
      expect(response.status, tag).toBe(412);
    }
    const current = await call(
      "PATCH",
      `${base}/${id}`,
      { notes: "on time" },
      { headers: { "if-match": '"v1", "v2"' } },
    );
    expect(current.response.status).toBe(200);
    expect(current.body.data.notes).toBe("on time");
    const star = await call(
      "PATCH",
      `${base}/${id}`,
      { notes: "any" },
      { headers: { "if-match": "*" } },
    );
    expect(star.response.status).toBe(200);
  });

  it("If-Match lists at most 16 entity-tags: 400 naming the rule beyond, never a 500", async () => {
    const id = await fresh();
    const tags = (n: number, from = 2) =>
      Array.from({ length: n }, (_, i) => `"v${from + i}"`).join(",");
    for (const method of ["PATCH", "DELETE"]) {
      // 161 versions in 1,018 characters: every one used to be a bound parameter (D1 allows 100).
      for (const header of [tags(161), tags(17)]) {
        const { response, body } = await call(
          method,
          `${base}/${id}`,
          method === "PATCH" ? { notes: "x" } : undefined,
          { headers: { "if-match": header } },
        );
        expect(response.status, `${method} ${header.length} chars`).toBe(400);
        expect(body.details).toEqual([
          { field: "header.if-match", rule: "max_items", message: expect.stringContaining("16") },
        ]);
      }
      // At the limit, stale: 412 (versions 2–17, the snapshot is at 1).
      const stale = await call(
        method,
        `${base}/${id}`,
        method === "PATCH" ? { notes: "x" } : undefined,
        { headers: { "if-match": tags(16) } },
      );
      expect(stale.response.status).toBe(412);
    }
    // At the limit, with the current version last, padded to the 1,024-character maximum.
    const padded = `${tags(15, 100_000_000_000_000)},"v1"`;
    expect(padded.length).toBeLessThanOrEqual(1024);
    const ok = await call(
      "PATCH",
      `${base}/${id}`,
      { notes: "x" },
      { headers: { "if-match": padded } },
    );
    expect(ok.response.status).toBe(200);
    const removed = await call("DELETE", `${base}/${id}`, undefined, {
      headers: { "if-match": `${tags(15, 100)},"v2"` },
    });
    expect(removed.response.status).toBe(204);
  });

  it("moves updatedAt forward on every write, even within one millisecond, never createdAt", async () => {
    const id = await fresh();
    const stamps: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { body } = await call("PATCH", `${base}/${id}`, { notes: `edit ${i}` });
      stamps.push(Date.parse(body.data.updatedAt));
      expect(body.data.createdAt).toBe(body.data.snapshotDate);
    }
    expect(stamps[1]).toBeGreaterThan(stamps[0] as number);
    expect(stamps[2]).toBeGreaterThan(stamps[1] as number);
  });

  it("clears optional fields with null and archives", async () => {
    const id = await fresh();
    const { body } = await call("PATCH", `${base}/${id}`, {
      notes: "",
      category: null,
      quality: null,
      tags: [],
      isArchived: true,
    });
    expect(body.data).toMatchObject({
      notes: null,
      category: null,
      quality: null,
      tags: [],
      isArchived: true,
    });
    const listed = await call("GET", `${base}?limit=100`);
    expect(listed.body.data.map((s: Body) => s._id)).not.toContain(id);
    const archived = await call("GET", `${base}?isArchived=true`);
    expect(archived.body.data.map((s: Body) => s._id)).toContain(id);
  });

  it("keeps the tag index in step with tags and archiving", async () => {
    const id = await fresh();
    await call("PATCH", `${base}/${id}`, { tags: ["alpha", "beta"] });
    expect(
      (await call("GET", `${base}?tag=alpha&tag=beta`)).body.data.map((s: Body) => s._id),
    ).toEqual([id]);
    await call("PATCH", `${base}/${id}`, { isArchived: true });
    expect((await call("GET", `${base}?tag=alpha`)).body.data).toEqual([]);
    expect(
      (await call("GET", `${base}?tag=alpha&isArchived=true`)).body.data.map((s: Body) => s._id),
    ).toEqual([id]);
    await call("PATCH", `${base}/${id}`, { tags: ["gamma"] });
    expect((await call("GET", `${base}?tag=alpha&isArchived=true`)).body.data).toEqual([]);
    expect(
      (await call("GET", `${base}?tag=gamma&isArchived=true`)).body.data.map((s: Body) => s._id),
    ).toEqual([id]);
  });

  it("404 for a missing or another tenant's snapshot", async () => {
    const globex = await tokenFor({ userId: BOB, organizationId: GLOBEX });
    expect(
      (await call("PATCH", `${base}/${SNAPSHOT}`, { notes: "x" }, { token: globex })).response
        .status,
    ).toBe(404);
    expect(
      (await call("PATCH", `${base}/0123456789abcdef01234567`, { notes: "x" })).response.status,
    ).toBe(404);
    expect(
      (
        await call(
          "PATCH",
          `${base}/0123456789abcdef01234567`,
          { notes: "x" },
          { headers: { "if-match": '"v1"' } },
        )
      ).response.status,
    ).toBe(404);
  });
});

describe("DELETE", () => {
  it("removes the snapshot, its copies and its tags; 404 afterwards and for other tenants", async () => {
    const { body } = await call("POST", base, { contactId: JANE, tags: ["doomed"] });
    const id = body.data._id;
    const globex = await tokenFor({ userId: BOB, organizationId: GLOBEX });
    expect(
      (await call("DELETE", `${base}/${id}`, undefined, { token: globex })).response.status,
    ).toBe(404);
    expect(
      (await call("DELETE", `${base}/${id}`, undefined, { headers: { "if-match": '"v9"' } }))
        .response.status,
    ).toBe(412);
    expect(
      (await call("DELETE", `${base}/${id}`, undefined, { headers: { "if-match": '"v1"' } }))
        .response.status,
    ).toBe(204);
    expect((await call("DELETE", `${base}/${id}`)).response.status).toBe(404);
    const tags = await testDb()
      .select()
      .from(trainingSnapshotTags)
      .where(eq(trainingSnapshotTags.snapshotId, id));
    expect(tags).toEqual([]);
  });
});
